import type { Cursor, MessageDto } from '../../../../shared/contract';
import type { UiError } from '../types';

/** The loaded messages of one conversation and where the next older page starts. */
export interface ConversationMessages {
  /** Oldest first. */
  readonly items: readonly MessageDto[];
  /** Cursor for the next older page, or null at the start of history. */
  readonly next: Cursor | null;
  readonly loadingOlder: boolean;
}

/** State and actions of the messages slice. */
export interface MessagesSlice {
  readonly messages: Readonly<Record<string, ConversationMessages>>;
  readonly replyTo: MessageDto | null;
  readonly editing: MessageDto | null;
  /** A message to scroll to and highlight (from search). */
  readonly focusMessageId: string | null;
  readonly messageError: UiError | null;
  loadLatestMessages(conversationId: string): Promise<void>;
  loadOlderMessages(conversationId: string): Promise<void>;
  /** Re-reads the newest page (when a change was too large to push). */
  refreshMessages(conversationId: string): Promise<void>;
  sendText(conversationId: string, text: string): Promise<boolean>;
  react(messageId: string, emoji: string | null): Promise<void>;
  /** Sends a "not delivered" message again. */
  retry(messageId: string): Promise<void>;
  deleteMessage(messageId: string, forEveryone: boolean): Promise<void>;
  setReplyTo(message: MessageDto | null): void;
  setEditing(message: MessageDto | null): void;
  jumpToMessage(messageId: string): Promise<void>;
  /** Ends the highlight of a jumped-to message, so the list follows new messages again. */
  clearFocus(): void;
  sendFile(conversationId: string, file: File): Promise<void>;
  watchMessages(): () => void;
  clearMessageError(): void;
}
