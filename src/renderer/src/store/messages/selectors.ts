import type { RootState } from '../root';
import type { ConversationMessages } from './state';

const EMPTY: ConversationMessages = { items: [], next: null, loadingOlder: false };

/** A selector for the loaded messages of a conversation (an empty page when none). */
export const selectMessagesOf = (conversationId: string | null) => (s: RootState) =>
  (conversationId ? s.messages[conversationId] : undefined) ?? EMPTY;
/** The message being replied to, or null. */
export const selectReplyTo = (s: RootState) => s.replyTo;
/** The message being edited, or null. */
export const selectEditing = (s: RootState) => s.editing;
/** The message to scroll to and highlight, or null. */
export const selectFocusMessageId = (s: RootState) => s.focusMessageId;
/** The last message error to show, or null. */
export const selectMessageError = (s: RootState) => s.messageError;
