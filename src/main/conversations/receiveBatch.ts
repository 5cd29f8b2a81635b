/**
 * Catch-up in batches. The envelopes one relay push brings (up to the
 * relay's delivery window) are handled together:
 * 1. unsealed (which authenticates each sending device);
 * 2. holding every sender device in the session layer, each distinct sender
 *    is vouched for by its account's signed device list — the only step
 *    that may wait on the network, and it writes no message state;
 * 3. ONE transaction decrypts and applies every envelope in order: a failed
 *    decrypt writes nothing of its own (it is rejected, or leaves a
 *    placeholder and a retry request, exactly as alone), and an envelope
 *    whose apply throws rolls back alone and stays unacked on the relay (the
 *    batch is run again with a savepoint per envelope, store/database.ts
 *    transactionEach);
 * 4. after the commit, ONE ack for the batch; then one round of events, one
 *    delivery receipt per sender (owed in the transaction; held for a few
 *    batches while more envelopes wait) and one flush.
 * A crash before the commit leaves every envelope of the batch on the relay;
 * a crash after it leaves the ack intents recorded (pending_acks), the
 * receipts and device-list refreshes owed (owedRefreshes.ts), so nothing is
 * lost and the processed ids keep a redelivery from applying twice.
 */
import { toBase64Url } from '../../shared/wire/encoding';
import { isParleyError } from '../../shared/errors';
import { addressKey, type ProtocolAddress } from '../protocol';
import type { IncomingMessage } from '../relayClient/client';
import { unseal, type Unsealed } from '../session/sealedSender';
import { releaseOpenedAhead, takeOpenedAhead } from '../session/sealAhead';
import type { ChatContext } from './context';
import { transactionEach } from '../store/database';
import { errorCode } from './outgoing';
import { afterCommit, receiveVouched, reject, vouchSender, type Outcome, type Vouched } from './incoming';
import { BatchEffects } from './batchEffects';
import { beginBatch } from './owedRefreshes';

/** One sender's standing for this batch: vouched (with the fresh list, if fetched), not listed, or not checkable now. */
type Vouch = ({ readonly kind: 'ok' } & Vouched) | { readonly kind: 'unlisted' } | { readonly kind: 'later'; readonly reason: string };

interface Opened {
  readonly m: IncomingMessage;
  readonly opened: Unsealed;
  readonly from: ProtocolAddress;
}

/** One envelope's result: its outcome once committed (null: not committed, and `later` says whether to try again soon). */
interface Result {
  readonly m: IncomingMessage;
  readonly outcome: Outcome | null;
  readonly later: boolean;
}

/**
 * Handles a batch of envelopes from the relay (see the file comment);
 * resolves after the commit, the ack and the batch's follow-up work with the
 * envelopes to try again soon (their sender's device list could not be
 * checked now). One whose apply failed stays unacked until the next connection.
 * `handled` hears how many envelopes the batch dealt with, right after its commit.
 * With `acking`, the batch does not wait for the relay to confirm its ack
 * (the ack is sent after the commit either way): `acking` gets the ack's
 * promise, which never rejects (incoming.ts `ack`), and the caller waits for
 * it where it must (ConversationService.drain). The relay answers an ack
 * only after deleting those envelopes and pushing the next ones, so waiting
 * for it left the main thread idle for that long after every batch.
 */
export async function handleBatch(
  ctx: ChatContext, ms: readonly IncomingMessage[], sendReceipts?: (owed: boolean) => boolean, handled?: (count: number) => void,
  acking?: (confirmed: Promise<void>) => void,
): Promise<IncomingMessage[]> {
  const acked: string[] = [];
  const seen = new Set<string>();
  const work: Opened[] = [];
  const processed = ctx.store.delivery.processedAmong(ms.map((m) => m.id));
  for (const m of ms) {
    if (seen.has(m.id)) continue;
    seen.add(m.id);
    if (processed.has(m.id)) {
      acked.push(m.id);
      continue;
    }
    try {
      // The ephemeral DH the worker thread has done by now (started when the push arrived), else computed here.
      const opened = unseal(m.envelope, ctx.keys.x25519, takeOpenedAhead(m), ctx.sessions.openCache);
      work.push({ m, opened, from: { accountId: toBase64Url(opened.senderAccountKey), deviceId: toBase64Url(opened.senderDeviceKey) } });
    } catch (e) {
      reject(ctx, m, errorCode(e));
      acked.push(m.id);
    }
  }
  releaseOpenedAhead(ms); // duplicates and processed ones: their slots zeroed
  const senders = [...new Map(work.map((w) => [addressKey(w.from), w.from])).values()];
  const fx = new BatchEffects();
  const results = senders.length === 0 ? [] : await ctx.sessions.hold(senders, async () => {
    const vouched = await vouchAll(ctx, senders);
    for (const v of vouched.values()) if (v.kind === 'ok') fx.forwarded += v.forwarded;
    return commitBatch(ctx, work, vouched);
  });
  const left: IncomingMessage[] = [];
  for (const r of results) {
    if (r.outcome) acked.push(r.m.id);
    else if (r.later) left.push(r.m);
  }
  // Progress as soon as the batch is committed (before the ack's wait and the batch's events): "Receiving N of M" never trails what the list shows.
  handled?.(ms.length - left.length);
  const confirmed = ack(ctx, acked);
  if (acking) acking(confirmed);
  else await confirmed;
  for (const r of results) if (r.outcome) await afterCommit(ctx, r.outcome, fx);
  await fx.finish(ctx, sendReceipts);
  return left;
}

/** Vouches for each distinct sender device once per batch. */
async function vouchAll(ctx: ChatContext, senders: readonly ProtocolAddress[]): Promise<Map<string, Vouch>> {
  const out = new Map<string, Vouch>();
  for (const s of senders) {
    try {
      out.set(addressKey(s), { kind: 'ok', ...(await vouchSender(ctx, s)) });
    } catch (e) {
      if (isParleyError(e) && e.code === 'CHAT_BAD_DEVICE_LIST') out.set(addressKey(s), { kind: 'unlisted' });
      else {
        // Offline or the relay did not answer: left on the relay, offered again (DEFERRED_RETRY_MS, or the next connection).
        ctx.audit('envelope.deferred', { reason: errorCode(e), address: addressKey(s) });
        out.set(addressKey(s), { kind: 'later', reason: errorCode(e) });
      }
    }
  }
  return out;
}

/**
 * The batch transaction: every envelope decrypted and applied in order
 * (transactionEach: one pass with no savepoint per envelope; only if one
 * throws, a second pass with one each, so that one rolls back alone).
 * Outcome null = not committed.
 */
function commitBatch(ctx: ChatContext, work: readonly Opened[], vouched: ReadonlyMap<string, Vouch>): Result[] {
  const ready = work.filter((w) => vouched.get(addressKey(w.from))!.kind !== 'later');
  beginBatch(ctx); // heads found not behind, read once per sender for the batch (owedRefreshes.ts)
  const done = transactionEach(
    ctx.store.db,
    ready,
    (w) => {
      const v = vouched.get(addressKey(w.from))!;
      return v.kind === 'ok' ? receiveVouched(ctx, w.m, w.opened, w.from, v.fresh) : reject(ctx, w.m, 'UNLISTED_DEVICE', w.from);
    },
    // Rolled back to its savepoint: nothing of it is stored, it stays unacked on the relay and comes back; the rest of the batch commits.
    (w, e) => ctx.audit('envelope.deferred', { reason: errorCode(e), address: addressKey(w.from) }),
    (all) => ctx.store.protocol.batchSessions(() => ctx.sessions.holdRecords(all)), // each sender's record parsed and written once per batch
  );
  const outcomes = new Map(ready.map((w, i) => [w, done[i]!] as const));
  return work.map((w) => {
    const r = outcomes.get(w);
    return r ? { m: w.m, outcome: r.ok ? r.value : null, later: false } : { m: w.m, outcome: null, later: true };
  });
}

/**
 * Acks to the relay after the commit; the intent stays recorded until the
 * relay confirms. Never rejects: an ack the relay did not confirm (offline,
 * a timeout) stays in pending_acks, is audited, and is sent again on the
 * next connection; the relay offers those envelopes again until then, and
 * they are dropped as already processed.
 */
export async function ack(ctx: ChatContext, ids: readonly string[]): Promise<void> {
  const client = ctx.link.client;
  if (!client || ids.length === 0) return;
  try {
    await client.ack(ids);
    if (ctx.store.db.open) ctx.store.delivery.clearAcks(ids);
  } catch (e) {
    ctx.audit('envelope.deferred', { reason: `ack:${errorCode(e)}` });
  }
}
