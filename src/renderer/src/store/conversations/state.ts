import type { ConversationDto } from '../../../../shared/contract';

/** State and actions of the conversations slice. */
export interface ConversationsSlice {
  readonly conversations: readonly ConversationDto[];
  readonly selectedConversationId: string | null;
  /** Conversation id → whether the other side is typing. */
  readonly typing: Readonly<Record<string, boolean>>;
  loadConversations(): Promise<void>;
  selectConversation(id: string | null): void;
  setDisappearing(conversationId: string, seconds: number | null): Promise<void>;
  watchConversations(): () => void;
}
