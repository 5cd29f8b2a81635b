/**
 * What `parley daemon` pushes: one `receive` notification per received
 * message, receipt and (once groups exist) group event, built from the core's
 * event bus. The params are the line `parley receive --json` prints, so a
 * script reads both the same way.
 *
 * Texts and undecryptable placeholders go through the `receive` cursor
 * (CliInbox): one that arrives while no client listens (a socket daemon with
 * nobody connected) stays unreported and goes to the next client that
 * connects, or to the next `parley receive`. Receipts are notified as they
 * change a message's state and are not kept for later.
 */
import { DAEMON_RECEIPT_MEMORY } from '../shared/constants';
import type { Messenger } from '../main/messenger/messenger';
import { CliInbox, type ReceivedLine } from './inbox';

/** Delivery or read receipts from a contact for messages we sent. */
export interface ReceiptEvent {
  readonly type: 'receipt';
  readonly from: string;
  readonly kind: 'delivered' | 'read';
  readonly targets: readonly string[];
}

/**
 * A group event (groups do not exist yet; this is the shape their
 * notifications take). `group` names the group as `--group NAME` does;
 * `members` are the contact names the action concerns.
 */
export interface GroupEvent {
  readonly type: 'group';
  readonly group: { readonly id: string; readonly name: string };
  readonly action: 'created' | 'renamed' | 'membersAdded' | 'membersRemoved' | 'left';
  readonly from: string;
  readonly members: readonly string[];
  readonly at: number;
}

/** Everything a `receive` notification carries. */
export type DaemonEvent = ReceivedLine | ReceiptEvent | GroupEvent;

const RANK = { delivered: 1, read: 2 } as const;

/** Turns the bus into `receive` notifications for whoever listens (see the file comment). */
export class DaemonNotifier {
  readonly #inbox: CliInbox;
  /** Highest receipt state notified per outgoing message id (insertion order = age). */
  readonly #notified = new Map<string, number>();
  readonly #off: (() => void)[] = [];

  /**
   * @param messenger the daemon's profile
   * @param listening whether any client would get a notification now
   * @param deliver sends one notification to every listening client
   */
  constructor(
    private readonly messenger: Messenger,
    private readonly listening: () => boolean,
    private readonly deliver: (event: DaemonEvent) => void,
  ) {
    this.#inbox = new CliInbox(messenger);
    const bus = messenger.bus;
    this.#off.push(
      bus.on('incomingText', () => this.flush()),
      bus.on('undecryptable', () => this.flush()),
      bus.on('messagesChanged', (conversationId, ids) => this.#receipts(conversationId, ids)),
    );
  }

  /** Reports every received message not reported yet, if someone listens (call when a client connects). */
  flush(): void {
    if (!this.listening()) return;
    for (;;) {
      const lines = this.#inbox.next();
      if (lines.length === 0) return;
      for (const line of lines) this.deliver(line);
      this.#inbox.commit();
    }
  }

  /** Stops listening to the bus. */
  stop(): void {
    for (const off of this.#off.splice(0)) off();
  }

  #receipts(conversationId: string, ids: readonly string[]): void {
    if (ids.length === 0 || !this.listening()) return;
    const byKind = { delivered: [] as string[], read: [] as string[] };
    for (const msg of this.messenger.store.messages.getMany(ids)) {
      if (msg.direction !== 'out' || (msg.state !== 'delivered' && msg.state !== 'read')) continue;
      if ((this.#notified.get(msg.id) ?? 0) >= RANK[msg.state]) continue;
      this.#notified.delete(msg.id);
      this.#notified.set(msg.id, RANK[msg.state]);
      byKind[msg.state].push(msg.id);
    }
    for (const id of this.#notified.keys()) {
      if (this.#notified.size <= DAEMON_RECEIPT_MEMORY) break;
      this.#notified.delete(id);
    }
    const from = this.messenger.contacts.list().find((c) => c.accountId === conversationId)?.name ?? conversationId;
    for (const kind of ['delivered', 'read'] as const) if (byKind[kind].length > 0) this.deliver({ type: 'receipt', from, kind, targets: byKind[kind] });
  }
}
