import type { StateCreator } from 'zustand';
import type { ConversationDto, EventPayload } from '../../../../shared/contract';
import { CONVERSATION_LIST_LIMIT } from '../../../../shared/constants';
import { parley } from '../../bridge';
import type { RootState } from '../root';
import type { ConversationsSlice } from './state';
import { typingNow } from './typing';

/**
 * Conversations with a markConversationRead in flight → whether a push
 * showed them unread again meanwhile (then one more call follows), so a
 * burst of pushes costs one call.
 */
const marking = new Map<string, boolean>();

function markRead(get: () => RootState, conversationId: string): void {
  if (marking.has(conversationId)) {
    marking.set(conversationId, true);
    return;
  }
  marking.set(conversationId, false);
  void parley.markConversationRead({ conversationId }).finally(() => {
    const again = marking.get(conversationId) === true;
    marking.delete(conversationId);
    if (again) markRead(get, conversationId);
  });
}

/** The pushed rows merged into the list in the pushed order; null when the order names a row this list does not hold. */
function applyPush(list: readonly ConversationDto[], e: EventPayload<'conversationsChanged'>): ConversationDto[] | null {
  const byId = new Map(list.map((c) => [c.id, c]));
  for (const c of e.changed) byId.set(c.id, c);
  const next: ConversationDto[] = [];
  for (const id of e.order) {
    const c = byId.get(id);
    if (!c) return null;
    next.push(c);
  }
  return next;
}

/** The conversations slice: the list, the selected conversation, typing and timers. */
export const createConversationsSlice: StateCreator<RootState, [], [], ConversationsSlice> = (set, get) => ({
  conversations: [],
  selectedConversationId: null,
  typing: {},
  async loadConversations() {
    const r = await parley.listConversations({ limit: CONVERSATION_LIST_LIMIT });
    if (r.ok) set({ conversations: r.value.items });
  },
  selectConversation(id) {
    set({ selectedConversationId: id });
    if (id) {
      void get().loadLatestMessages(id);
      // The unread count that this clears arrives as a conversationsChanged push.
      markRead(get, id);
    }
  },
  async setDisappearing(conversationId, seconds) {
    const r = await parley.setDisappearingTimer({ conversationId, seconds });
    if (r.ok) set((s) => ({ conversations: s.conversations.map((c) => (c.id === r.value.id ? r.value : c)) }));
  },
  watchConversations() {
    const stops = [
      parley.onConversationsChanged((e) => {
        const next = e.reload ? null : applyPush(get().conversations, e);
        if (!next) return void get().loadConversations();
        set({ conversations: next });
        // A message arrived in the conversation on screen: it is read now (and the sender told, if receipts are on).
        const open = next.find((c) => c.id === get().selectedConversationId);
        if (open && open.unread > 0 && document.visibilityState === 'visible') markRead(get, open.id);
      }),
      parley.onContactsChanged((e) => (e.reload ? void get().loadContacts() : set({ contacts: e.contacts }))),
      parley.onTyping(({ conversationId, typing, from }) => set((s) => ({ typing: { ...s.typing, [conversationId]: typingNow(s.typing[conversationId], from, typing) } }))),
    ];
    return () => stops.forEach((stop) => stop());
  },
});
