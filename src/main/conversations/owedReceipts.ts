/**
 * Delivery receipts owed for stored messages (owed in the receive
 * transaction, repairs.ts `oweReceipt`), sent in rounds. A round reads the
 * owed ids, then queues one receipt per conversation for up to 500
 * messages (RECEIPT_ROUND_IDS in all), each forgotten in the savepoint that
 * queues it; a read that came back full is followed by another (receipts
 * held through a long catch-up, receiptHold.ts). Rounds run one at a time
 * per profile: a round started while another is on its way (a receive
 * batch's, and the connection's) waits for it and then reads what is still
 * owed, so no id is answered twice.
 */
import { RECEIPT_ROUND_IDS } from '../../shared/constants';
import type { Content } from '../../shared/wire/content';
import type { ChatContext } from './context';
import { recipientsOf, sendContent } from './outgoing';

/** Most message ids one delivery receipt names (the content schema's bound). */
export const RECEIPT_BATCH = 500;

/** Per profile: the round on its way (settled either way), which the next one waits for. */
const rounds = new WeakMap<ChatContext, Promise<unknown>>();

/**
 * Sends the delivery receipts owed for stored messages (see the file
 * comment). Runs after each receive batch, on each connection and on the
 * upkeep tick, so a crash between storing a message and answering it only
 * delays the receipt. Rejects as the round's sends do (callers audit it).
 */
export function sendOwedReceipts(ctx: ChatContext): Promise<void> {
  const round = (rounds.get(ctx) ?? Promise.resolve()).then(() => sendRound(ctx));
  rounds.set(ctx, round.then(() => undefined, () => undefined)); // the caller of this round gets its failure; the next round only waits
  return round;
}

async function sendRound(ctx: ChatContext): Promise<void> {
  // A read that came back full is followed by another once its receipts are queued (a long catch-up's held ids), unless the oldest stayed owed.
  for (let first: string | undefined; ctx.store.db.open;) {
    const read = ctx.store.repairs.owedReceipts(RECEIPT_ROUND_IDS);
    const oldest = read.values().next().value?.[0];
    if (oldest === undefined || oldest === first) return;
    first = oldest;
    await Promise.all(roundSends(ctx, read));
    if ([...read.values()].reduce((n, ids) => n + ids.length, 0) < RECEIPT_ROUND_IDS) return;
  }
}

function roundSends(ctx: ChatContext, read: Map<string, string[]>): Promise<void>[] {
  const sends: Promise<void>[] = [];
  const owed = [...read].flatMap(([c, all]) =>
    Array.from({ length: Math.ceil(all.length / RECEIPT_BATCH) }, (_, i) => [c, all.slice(i * RECEIPT_BATCH, (i + 1) * RECEIPT_BATCH)] as const));
  for (const [conversationId, ids] of owed) {
    const receipt: Content = { v: 1, type: 'receipt', kind: 'delivered', targets: ids, sentAt: ctx.now() };
    if (ctx.groups?.isGroup(conversationId)) {
      sends.push(ctx.groups.send(conversationId, receipt, undefined, () => ctx.store.repairs.settleReceipts(ids)));
      continue;
    }
    const to = recipientsOf(ctx, conversationId).filter((r) => r.accountId === conversationId);
    sends.push(sendContent(ctx, to, receipt, undefined, conversationId, undefined, () => ctx.store.repairs.settleReceipts(ids)));
  }
  return sends;
}
