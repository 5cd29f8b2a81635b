import type { RootState } from '../root';

/** Every conversation, newest first. */
export const selectConversations = (s: RootState) => s.conversations;
/** The open conversation, or null. */
export const selectSelectedConversation = (s: RootState) =>
  s.conversations.find((c) => c.id === s.selectedConversationId) ?? null;
/** A selector for whether the other side is typing in conversation `id`. */
export const selectIsTyping = (id: string | null) => (s: RootState) => (id ? Boolean(s.typing[id]) : false);
