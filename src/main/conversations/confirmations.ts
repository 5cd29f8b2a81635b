/**
 * Confirmations of what the relay took (conversations/outgoing.ts doFlush),
 * committed several frames at a time.
 */
import type { OutboxEntry } from '../store';
import type { ChatContext } from './context';

/**
 * Outbox entries the relay took in one flush, confirmed (removed, their
 * messages marked sent) several frames at a time: a commit per frame was
 * ≈ 60 µs per message sent. The entries stay in the outbox until then, so a
 * crash before the commit resends them (receivers drop the repeats as
 * duplicates); the flush reads past them meanwhile (`after`).
 */
export class TakenEntries {
  #ids: number[] = [];
  /** The greatest id taken and not yet confirmed: every outbox entry up to it is in #ids (batches are prefixes of the outbox). */
  after = 0;

  constructor(private readonly ctx: ChatContext) {}

  get size(): number {
    return this.#ids.length;
  }

  add(batch: readonly OutboxEntry[]): void {
    for (const e of batch) this.#ids.push(e.id);
    this.after = Math.max(this.after, ...batch.map((e) => e.id));
  }

  /** Confirms everything taken so far in one commit and announces the messages now sent. */
  confirm(): void {
    if (this.#ids.length === 0 || !this.ctx.store.db.open) return;
    const byConversation = this.ctx.store.delivery.confirmSent(this.#ids);
    this.#ids = [];
    this.after = 0;
    for (const [conversationId, ids] of byConversation) this.ctx.events.messagesChanged(conversationId, ids);
  }
}

