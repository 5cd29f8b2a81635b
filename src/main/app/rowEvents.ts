/**
 * Turns the core's change notifications (which name ids only) into the
 * contract's row events, so the renderer merges what it is sent instead of
 * pulling the lists again. Notifications from one turn of the event loop are
 * coalesced: one contactsChanged, one messagesChanged per conversation and
 * one conversationsChanged, emitted in that order.
 */
import { CONVERSATION_LIST_LIMIT, EVENT_MAX_MESSAGE_ROWS } from '../../shared/constants';
import type { MessageDto } from '../../shared/contract';
import type { Messenger } from '../messenger/messenger';
import type { CoreEvents } from './events';
import { contactView, conversationViews, messageView } from './views';
import { groupOf, groupView } from './groupViews';

/** The core's list-changing notifications, as ChatEvents names them. */
export interface RowNotifications {
  messagesChanged(conversationId: string, messageIds: readonly string[]): void;
  conversationsChanged(): void;
  contactsChanged(): void;
}

/**
 * Collects notifications and emits row events on the next turn. One instance
 * serves one Messenger's events; `messenger` returns the open one (null while
 * locked or still opening: nothing is emitted then, and the lists are read
 * afresh when the session changes to unlocked).
 */
export class RowEvents implements RowNotifications {
  readonly #messages = new Map<string, Set<string>>();
  #conversations = false;
  #contacts = false;
  #scheduled = false;
  /** Each conversation row as last pushed (serialized): the next push sends only rows that differ from it. */
  #pushed = new Map<string, string>();
  #pushedOrder = '';
  /** Each group as last pushed (serialized), likewise. */
  #pushedGroups = new Map<string, string>();

  constructor(
    private readonly events: CoreEvents,
    private readonly messenger: () => Messenger | null,
  ) {}

  messagesChanged(conversationId: string, messageIds: readonly string[]): void {
    const ids = this.#messages.get(conversationId) ?? new Set<string>();
    for (const id of messageIds) ids.add(id);
    this.#messages.set(conversationId, ids);
    this.#schedule();
  }

  conversationsChanged(): void {
    this.#conversations = true;
    this.#schedule();
  }

  contactsChanged(): void {
    this.#contacts = true;
    this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Emits everything pending now (the scheduler calls it; so may a test). */
  flush(): void {
    this.#scheduled = false;
    const messages = [...this.#messages].map(([conversationId, ids]) => ({ conversationId, ids: [...ids] }));
    const conversations = this.#conversations;
    const contacts = this.#contacts;
    this.#messages.clear();
    this.#conversations = false;
    this.#contacts = false;
    const m = this.messenger();
    if (!m) return;
    if (contacts) this.#pushContacts(m);
    for (const { conversationId, ids } of messages) this.#pushMessages(m, conversationId, ids);
    if (conversations || contacts) this.#pushGroups(m);
    if (conversations) this.#pushConversations(m);
  }

  #pushContacts(m: Messenger): void {
    try {
      this.events.emit('contactsChanged', { contacts: m.contacts.list().map(contactView), reload: false });
    } catch {
      // The rows could not be read or did not fit the contract: the renderer reads the list through listContacts, whose error the dispatcher reports.
      this.events.emit('contactsChanged', { contacts: [], reload: true });
    }
  }

  #pushMessages(m: Messenger, conversationId: string, ids: readonly string[]): void {
    const reload = () => this.events.emit('messagesChanged', { conversationId, messages: [], removedIds: [], reload: true });
    if (ids.length > EVENT_MAX_MESSAGE_ROWS) return reload();
    try {
      const rows = m.store.messages.getMany(ids);
      const group = groupOf(m, conversationId);
      const found = new Set(rows.map((r) => r.id));
      // A row can name another conversation than the notification (a contact's conversation moved to its new key): each goes to its own.
      const byConversation = new Map<string, MessageDto[]>([[conversationId, []]]);
      for (const row of rows) {
        const list = byConversation.get(row.conversationId) ?? [];
        list.push(row.conversationId === conversationId ? messageView(m, row, group) : messageView(m, row));
        byConversation.set(row.conversationId, list);
      }
      for (const [id, list] of byConversation) {
        const removedIds = id === conversationId ? ids.filter((x) => !found.has(x)) : [];
        if (list.length > 0 || removedIds.length > 0) this.events.emit('messagesChanged', { conversationId: id, messages: list, removedIds, reload: false });
      }
    } catch {
      // Rows that cannot be read or fail the contract: the renderer re-reads the newest page through listMessages and shows that call's error.
      reload();
    }
  }

  /** Groups whose view differs from the last push (membership, roles, names, standing); a group change always comes with conversationsChanged. */
  #pushGroups(m: Messenger): void {
    try {
      const views = m.groups.list().map((g) => groupView(m, g));
      const next = new Map(views.map((v) => [v.id, JSON.stringify(v)]));
      const changed = views.filter((v) => this.#pushedGroups.get(v.id) !== next.get(v.id));
      if (changed.length === 0) return;
      if (changed.length > CONVERSATION_LIST_LIMIT) throw new RangeError('more changed groups than one event carries');
      this.events.emit('groupsChanged', { changed, reload: false });
      this.#pushedGroups = next;
    } catch {
      // As for conversations: the renderer reads the groups it shows through getGroup, whose error the dispatcher reports.
      this.#pushedGroups = new Map();
      this.events.emit('groupsChanged', { changed: [], reload: true });
    }
  }

  #pushConversations(m: Messenger): void {
    try {
      const views = conversationViews(m, CONVERSATION_LIST_LIMIT);
      const next = new Map(views.map((v) => [v.id, JSON.stringify(v)]));
      const changed = views.filter((v) => this.#pushed.get(v.id) !== next.get(v.id));
      const order = views.map((v) => v.id);
      const orderKey = order.join(',');
      // Nothing differs from the last push, so the renderer (which holds that push or a later read) is current.
      if (changed.length === 0 && orderKey === this.#pushedOrder) return;
      this.events.emit('conversationsChanged', { changed, order, reload: false });
      this.#pushed = next;
      this.#pushedOrder = orderKey;
    } catch {
      // As above: the renderer reads the list through listConversations instead. The next push starts from scratch.
      this.#pushed = new Map();
      this.#pushedOrder = '';
      this.events.emit('conversationsChanged', { changed: [], order: [], reload: true });
    }
  }
}
