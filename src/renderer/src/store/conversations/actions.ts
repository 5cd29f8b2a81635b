import type { StateCreator } from 'zustand';
import { parley } from '../../bridge';
import type { RootState } from '../root';
import type { ConversationsSlice } from './state';

const LIST_LIMIT = 200;

/** The conversations slice: the list, the selected conversation, typing and timers. */
export const createConversationsSlice: StateCreator<RootState, [], [], ConversationsSlice> = (set, get) => ({
  conversations: [],
  selectedConversationId: null,
  typing: {},
  async loadConversations() {
    const r = await parley.listConversations({ limit: LIST_LIMIT });
    if (r.ok) set({ conversations: r.value.items });
  },
  selectConversation(id) {
    set({ selectedConversationId: id });
    if (id) {
      void get().loadLatestMessages(id);
      void parley.markConversationRead({ conversationId: id }).then(() => get().loadConversations());
    }
  },
  async setDisappearing(conversationId, seconds) {
    const r = await parley.setDisappearingTimer({ conversationId, seconds });
    if (r.ok) await get().loadConversations();
  },
  watchConversations() {
    const stops = [
      parley.onConversationsChanged(() => void get().loadConversations()),
      parley.onContactsChanged(() => void get().loadContacts()),
      parley.onTyping(({ conversationId, typing }) => set((s) => ({ typing: { ...s.typing, [conversationId]: typing } }))),
    ];
    return () => stops.forEach((stop) => stop());
  },
});
