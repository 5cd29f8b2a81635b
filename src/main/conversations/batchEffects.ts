/**
 * What one receive batch leaves to do once, after its commit and ack: one
 * event per kind, the texts announced together, one delivery receipt per
 * sender, one flush, and the forwards to late devices. Names and list heads
 * are read once per batch.
 */
import type { ListHeads } from '../../shared/wire/content';
import { checkHeads } from '../account/listHeads';
import type { ChatContext, IncomingText } from './context';
import { errorCode, flushOutbox } from './outgoing';
import { sendOwedReceipts } from './owedReceipts';
import { flushUnsent } from './unsent';

/** What the envelopes of one batch leave to do once, after its commit and ack. */
export class BatchEffects {
  readonly messages = new Map<string, Set<string>>();
  conversations = false;
  contacts = false;
  devices = false;
  receipts = false;
  flush = false;
  /** Forwards to late devices logged by the batch (in its transaction, or its own-list refresh): sent once, after it. */
  forwarded = 0;
  readonly nudged = new Set<string>();
  /** Texts that arrived in this batch, announced together (one synchronous loop, so listeners can tell one batch). */
  readonly texts: IncomingText[] = [];

  /** Contact names and heads found current, read once per batch (a device-list refresh in the batch forgets the heads). */
  readonly #names = new Map<string, string>();
  readonly #headsOk = new Set<string>();

  /** The name a sender's account is shown under: its contact name, the name a group member chose, or its id. */
  nameOf(ctx: ChatContext, accountId: string): string {
    let name = this.#names.get(accountId);
    if (name === undefined) this.#names.set(accountId, (name = ctx.contacts.get(accountId)?.name ?? ctx.groups?.memberName(accountId) ?? accountId));
    return name;
  }

  /** Whether `peer` has verified a newer list than ours (checkHeads), asked once per batch for the same claimed heads. */
  headsBehind(ctx: ChatContext, peer: string, heads: ListHeads): boolean {
    const { sender: a, recipient: b } = heads;
    const key = `${peer} ${a ? `${a.version}.${a.hash}` : '-'} ${b ? `${b.version}.${b.hash}` : '-'}`; // each part's fields, spelled out: cheaper than JSON per text
    if (this.#headsOk.has(key)) return false;
    const verdict = checkHeads(ctx.store, ctx.keys.accountId, peer, heads);
    if (verdict === 'ok') this.#headsOk.add(key);
    return verdict === 'behind';
  }

  /** Device lists were fetched again: heads are compared afresh. */
  listsRefreshed(): void {
    this.#headsOk.clear();
  }

  /** Notes changed message rows of a conversation (announced once per batch). */
  changed(conversationId: string, ids: Iterable<string>): void {
    const set = this.messages.get(conversationId) ?? new Set<string>();
    for (const id of ids) set.add(id);
    this.messages.set(conversationId, set);
  }

  /**
   * One event per kind for the whole batch, one delivery receipt per sender
   * (sendOwedReceipts coalesces), one flush. `sendReceipts(owed)` says
   * whether the owed receipts go now (owed: this batch owes some): while
   * more envelopes wait in the receive queue they may stay owed (stored)
   * and go with a later batch's, one per sender for several batches.
   */
  async finish(ctx: ChatContext, sendReceipts: (owed: boolean) => boolean = (owed) => owed): Promise<void> {
    for (const t of this.texts) ctx.events.incomingText(t);
    if (this.contacts) ctx.events.contactsChanged();
    for (const [conversationId, ids] of this.messages) ctx.events.messagesChanged(conversationId, [...ids]);
    if (this.conversations) ctx.events.conversationsChanged();
    if (this.devices) ctx.events.devicesChanged();
    if (sendReceipts(this.receipts)) {
      await sendOwedReceipts(ctx);
      this.flush = true; // receipts held by earlier batches go out even when this batch brought no text
    }
    // Awaited, so drain() covers it: a late device gets its forwarded content before the receive loop is idle.
    if (this.forwarded > 0) await flushUnsent(ctx).catch((e: unknown) => ctx.audit('delivery.failed', { reason: errorCode(e) }));
    if (this.flush && ctx.link.client) void flushOutbox(ctx).catch((e: unknown) => ctx.audit('delivery.failed', { reason: errorCode(e) }));
  }
}
