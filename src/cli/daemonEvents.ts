/**
 * What `parley daemon` pushes: one `receive` notification per received
 * message, receipt and group event, built from the core's event bus. The
 * params are the line `parley receive --json` prints, so a script reads
 * both the same way.
 *
 * Texts and undecryptable placeholders go through the `receive` cursor
 * (CliInbox): one that arrives while no client listens (a socket daemon with
 * nobody connected) stays unreported and goes to the next client that
 * connects, or to the next `parley receive`. Receipts, edits, deletes,
 * reactions and timers come from the same inbox (the received-events
 * outbox), and so do group members' safety-number changes (the group's
 * key-change rows) and membership changes (created, renamed, added,
 * removed, left: each group's chain after the last version reported,
 * groupCursor.ts): they too reach the next listener exactly once, also
 * across a daemon restart.
 */
import type { Messenger } from '../main/messenger/messenger';
import { CliInbox, type GroupEvent, type ReceivedLine } from './inbox';

export type { GroupEvent } from './inbox';

/** Delivery or read receipts from a contact for messages we sent. */
export interface ReceiptEvent {
  readonly type: 'receipt';
  readonly from: string;
  readonly kind: 'delivered' | 'read';
  readonly targets: readonly string[];
}

/** Everything a `receive` notification carries. */
export type DaemonEvent = ReceivedLine | ReceiptEvent | GroupEvent;

/** Turns the bus into `receive` notifications for whoever listens (see the file comment). */
export class DaemonNotifier {
  readonly #inbox: CliInbox;
  readonly #off: (() => void)[] = [];

  /**
   * @param messenger the daemon's profile
   * @param listening whether any client would get a notification now
   * @param deliver sends one notification to every listening client
   */
  constructor(
    messenger: Messenger,
    private readonly listening: () => boolean,
    private readonly deliver: (event: DaemonEvent) => void,
  ) {
    this.#inbox = new CliInbox(messenger);
    const bus = messenger.bus;
    this.#off.push(
      bus.on('incomingText', () => this.flush()),
      bus.on('undecryptable', () => this.flush()),
      // Receipts, edits, deletes, reactions and timers are stored as received events when applied: the inbox reports them.
      bus.on('messagesChanged', () => this.flush()),
      // A membership change or a member's key change (both reported by the inbox).
      bus.on('conversationsChanged', () => this.flush()),
    );
  }

  /** Reports every received message not reported yet, if someone listens (call when a client connects). */
  flush(): void {
    // A pass that has not started yet reads everything stored by then: one batch's several bus events need one pass.
    if (!this.listening() || this.#queued) return;
    this.#queued = true;
    // One pass at a time, in order: the inbox's cursor advances only after its lines went out.
    this.#flushing = this.#flushing.then(async () => {
      this.#queued = false;
      for (;;) {
        if (!this.listening()) return;
        const lines = await this.#inbox.next(null);
        if (lines.length === 0) return;
        for (const line of lines) this.deliver(line);
        this.#inbox.commit();
      }
    }).catch((e: unknown) => {
      process.stderr.write(`${JSON.stringify({ warning: 'DAEMON_NOTIFY_FAILED', message: errorCodeOf(e) })}\n`);
    });
  }

  #flushing: Promise<void> = Promise.resolve();
  #queued = false;

  /** Stops listening to the bus. */
  stop(): void {
    for (const off of this.#off.splice(0)) off();
  }


}

/** A typed error's code, or its class name: never its message, which could carry content. */
const errorCodeOf = (e: unknown): string => (e && typeof e === 'object' && 'code' in e && typeof e.code === 'string' ? e.code : e instanceof Error ? e.name : 'UNKNOWN');
