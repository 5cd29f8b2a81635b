import type { RootState } from '../root';

export const selectConversations = (s: RootState) => s.conversations;
export const selectSelectedConversation = (s: RootState) =>
  s.conversations.find((c) => c.id === s.selectedConversationId) ?? null;
export const selectIsTyping = (id: string | null) => (s: RootState) => (id ? Boolean(s.typing[id]) : false);
