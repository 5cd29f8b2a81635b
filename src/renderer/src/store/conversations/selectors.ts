import type { RootState } from '../root';

/** Every conversation, newest first. */
export const selectConversations = (s: RootState) => s.conversations;
/** The open conversation, or null. */
export const selectSelectedConversation = (s: RootState) =>
  s.conversations.find((c) => c.id === s.selectedConversationId) ?? null;
const NOBODY: readonly string[] = [];
/** A selector for the accounts typing in conversation `id` (a stable empty list when nobody is). */
export const selectTyping = (id: string | null) => (s: RootState) => (id ? (s.typing[id] ?? NOBODY) : NOBODY);

