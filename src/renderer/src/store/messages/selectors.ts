import type { RootState } from '../root';
import type { ConversationMessages } from './state';

const EMPTY: ConversationMessages = { items: [], next: null, loadingOlder: false };

export const selectMessagesOf = (conversationId: string | null) => (s: RootState) =>
  (conversationId ? s.messages[conversationId] : undefined) ?? EMPTY;
export const selectReplyTo = (s: RootState) => s.replyTo;
export const selectEditing = (s: RootState) => s.editing;
export const selectFocusMessageId = (s: RootState) => s.focusMessageId;
export const selectMessageError = (s: RootState) => s.messageError;
