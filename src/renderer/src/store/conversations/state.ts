import type { ConversationDto } from '../../../../shared/contract';

/** State and actions of the conversations slice. */
export interface ConversationsSlice {
  readonly conversations: readonly ConversationDto[];
  readonly selectedConversationId: string | null;
  /** Conversation id → the accounts typing there now (in a 1:1 chat, at most the other side). */
  readonly typing: Readonly<Record<string, readonly string[]>>;
  loadConversations(): Promise<void>;
  selectConversation(id: string | null): void;
  setDisappearing(conversationId: string, seconds: number | null): Promise<void>;
  watchConversations(): () => void;
}
