/**
 * The send path, through the session layer (src/main/session). A send holds
 * every recipient device, makes missing sessions from checked bundles,
 * then ONE transaction advances every recipient's session and stores the
 * message, its outbox entries (sealed envelopes) and the resend log (the
 * content per device, kept RESEND_LOG_TTL_MS so a device that could not
 * decrypt it can ask again). A device with no session yet (offline, no
 * bundle) gets a resend-log row without a digest: flushUnsent encrypts it
 * once a session can be made. Only after the commit does anything leave the
 * machine; an outbox entry is removed when the relay confirms it, so a
 * crash or an offline spell resends.
 */
import { CONFIRM_COALESCE_MAX, OUTBOX_RETRY_MS, RELAY_MAX_SEND_BYTES, SEAL_AHEAD_CHUNKS, SEND_CHUNK, SEND_FRAME_TEXT_BYTES, RELAY_MAX_SEND_RECIPIENTS } from '../../shared/constants';

import { toBase64Url } from '../../shared/wire/encoding';
import { encodeContent, parseContent, SYNCED_TYPES, type Content, type SyncedContent } from '../../shared/wire/content';
import { addressKey, type ProtocolAddress } from '../protocol';
import type { NewMessage, OutboxEntry } from '../store';
import { RelayClientError } from '../relayClient/errors';
import type { RelayClient } from '../relayClient/client';
import { refreshOwnList } from '../account/deviceList';
import { withHeads } from '../account/listHeads';
import { awaitingDevicesOf, logForNewDevices, missedRecipients, recordContactList, recordMemberList } from './lateDevices';
import { flushUnsent, releaseReached, sendWaitingFirst } from './unsent';
import { ContentHint } from '../session/sealedSender';
import type { ChatContext } from './context';
import { transactionStaged } from '../store/database';
import { TakenEntries } from './confirmations';
import { ChunkReads } from './chunkReads';

/** Content that is worth sending again to a device that could not decrypt it (typing and repair messages are not). */
const RESENDABLE = (c: Content): boolean => c.type !== 'typing' && c.type !== 'retry' && c.type !== 'resend' && c.type !== 'senderKeyRequest';

/** What a recipient that cannot decrypt `c` should do: a text shows a placeholder; other logged content is asked for again silently. */
export function hintFor(c: Content): ContentHint {
  if (c.type === 'text' || (c.type === 'resend' && c.content.type === 'text')) return ContentHint.placeholder;
  return RESENDABLE(c) || c.type === 'resend' ? ContentHint.retry : ContentHint.none;
}

/** A resend-log or outbox recipient key (`account.device`) as an address. */
export const parseAddress = (key: string): ProtocolAddress => {
  const [accountId, deviceId] = key.split('.') as [string, string];
  return { accountId, deviceId };
};

/** Every device a message to `accountId` goes to: the contact's devices, then this account's other devices. */
export function recipientsOf(ctx: ChatContext, accountId: string): ProtocolAddress[] {
  const theirs = ctx.contacts.devices(accountId).map((deviceId) => ({ accountId, deviceId }));
  return [...theirs, ...ownRecipients(ctx)];
}

/**
 * What an own device gets for `content` sent in `conversation`: a sync
 * transcript for conversation content, the content itself for account-level
 * content (no conversation), and nothing for what only the peer needs
 * (typing, delivery receipts, our profile).
 */
function forOwnDevice(content: Content, conversation: string | undefined): Content | null {
  if (conversation === undefined) return content;
  if (!SYNCED_TYPES.has(content.type) || (content.type === 'receipt' && content.kind !== 'read')) return null;
  return { v: 1, type: 'sync', sentAt: content.sentAt, conversation, content: content as SyncedContent };
}

/** One send waiting for its turn's batch. */
interface SendJob {
  readonly targets: readonly ProtocolAddress[];
  /** Encrypts (the prepare stage) and returns the writes (transactionStaged). */
  readonly run: (reads: ChunkReads) => () => void;
  readonly done: (e?: unknown) => void;
}

/** Per profile: the sends queued in this event-loop turn. */
const turnSends = new WeakMap<ChatContext, SendJob[]>();

/**
 * Sends `content` to `recipients`: holds them in the session layer, makes
 * missing sessions, then encrypts and commits sessions, message, outbox and
 * resend log. `conversation` names the peer for conversation content: this
 * account's other devices then get a sync transcript of it instead.
 * Resolves after the commit (not the upload). Sends issued in one
 * event-loop turn are encrypted and committed together (commitSends).
 */
export function sendContent(
  ctx: ChatContext, recipients: readonly ProtocolAddress[], content: Content, message?: NewMessage, conversation?: string, messageId?: string,
  inSameTransaction?: () => void,
): Promise<void> {
  const targets = recipients.filter((r) => !(r.accountId === ctx.keys.accountId && r.deviceId === ctx.keys.deviceId));
  return new Promise<void>((resolve, reject) => {
    let jobs = turnSends.get(ctx);
    if (!jobs) {
      jobs = [];
      turnSends.set(ctx, jobs);
      setImmediate(() => void commitSends(ctx));
    }
    const run = (reads: ChunkReads): (() => void) => queueContent(ctx, targets, content, message, conversation, messageId ?? message?.id ?? null, reads, inSameTransaction);
    jobs.push({ targets, run, done: (e) => (e === undefined ? resolve() : reject(e)) });
  });
}

/**
 * One turn's sends: hold every recipient at once, make missing sessions,
 * then encrypt and commit them in chunks of SEND_CHUNK, ONE transaction
 * each (a send that throws rolls back alone and rejects alone). While a
 * chunk is encrypted, the worker thread makes the sealing key pairs of the
 * next SEAL_AHEAD_CHUNKS chunks (session/sealAhead.ts), used where they are
 * back in time; a device with several envelopes in the turn gets them under
 * one seal key instead (session/sealBurst.ts). Each send's promise settles after its
 * chunk's commit.
 */
async function commitSends(ctx: ChatContext): Promise<void> {
  const jobs = turnSends.get(ctx) ?? [];
  turnSends.delete(ctx);
  const targets = jobs.flatMap((j) => j.targets);
  const all = [...new Map(targets.map((t) => [addressKey(t), t])).values()];
  let settled = 0;
  // Envelopes of this turn to a device that gets several share one seal key (session/sealBurst.ts), zeroed when the turn ends.
  const burst = ctx.sessions.burst(targets);
  try {
    await ctx.sessions.hold(all, async () => {
      for (const t of all) await ctx.sessions.establish(t);
      // What was logged earlier for a device that had no session then goes before this batch (per-device order).
      sendWaitingFirst(ctx, all);
      for (let at = 0; at < jobs.length; at += SEND_CHUNK) {
        // Pairs for this chunk and SEAL_AHEAD_CHUNKS more (what is ready or on its way is not asked again); the first chunk is sealed
        // here at once, so a single send never waits for the worker. Not awaited: what the worker has back when a chunk runs is used,
        // the rest sealed here (a lagging worker never stalls a send).
        // Asked chunk by chunk, nearest first, so the worker finishes the next chunk's pairs before it starts on the one after.
        for (let end = Math.max(at, SEND_CHUNK) + SEND_CHUNK; end <= at + (1 + SEAL_AHEAD_CHUNKS) * SEND_CHUNK && end - SEND_CHUNK < jobs.length; end += SEND_CHUNK) {
          const ahead = jobs.slice(Math.max(at, SEND_CHUNK), end).flatMap((j) => j.targets).filter((t) => !burst.covers(t.deviceId));
          void ctx.sessions.sealAhead(ahead).catch((e: unknown) => ctx.audit('crypto.worker_failed', { reason: errorCode(e) }));
        }
        if (at > 0) await new Promise<void>((r) => setImmediate(r)); // lets the worker's pairs in
        const chunk = jobs.slice(at, at + SEND_CHUNK);
        // One pass without savepoints, every send encrypted before any is written (transactionStaged); if a send throws, again with
        // one savepoint per send: it rolls back and rejects alone, the others commit.
        const reads = new ChunkReads(ctx.store, burst);
        const results = transactionStaged(ctx.store.db, chunk, (j) => j.run(reads), undefined, (each) => ctx.store.protocol.batchSessions(() => ctx.sessions.holdRecords(each)));
        chunk.forEach((j, i) => {
          const r = results[i]!;
          j.done(r.ok ? undefined : r.error);
        });
        settled = at + chunk.length;
      }
    });
  } catch (e) {
    for (const j of jobs.slice(settled)) j.done(e);
  } finally {
    burst.end();
  }
  // The profile closed under the batch (its sends were rejected above): nothing more to do here.
  if (!ctx.store.db.open) return;
  // Content that waited for one of these devices (no bundle before) can go now that this send reached it, not on the next tick.
  const reached = releaseReached(ctx, all);
  if (lateLogged.delete(ctx) || reached > 0) await flushUnsent(ctx).catch((e: unknown) => ctx.audit('delivery.failed', { reason: errorCode(e) }));
}

/** Profiles whose last send batch logged content for devices recorded during it (missedRecipients): flushUnsent runs after the commit. */
const lateLogged = new WeakSet<ChatContext>();


/**
 * Call while holding `recipients`, inside the send chunk's transaction:
 * encrypts `content` to each (the sessions advance in the chunk's held
 * records) and returns the writes that commit message, outbox and resend
 * log with them (transactionStaged runs them once the chunk is encrypted).
 */
function queueContent(
  ctx: ChatContext, recipients: readonly ProtocolAddress[], bare: Content, message: NewMessage | undefined, conversation: string | undefined, messageId: string | null,
  reads: ChunkReads, inSameTransaction?: () => void,
): () => void {
  const content = withHeads(ctx.store, ctx.keys.accountId, conversation, bare, (a) => reads.head(a)); // list heads for split-view detection (§6.7)
  const plaintext = encodeContent(content);
  const { store, keys } = ctx;
  // What our other devices get, encoded only if one of them is a recipient (most sends have none: a second encode and its check cost as much as the first).
  let own: Uint8Array | null | undefined;
  const ownPlaintext = (): Uint8Array | null => {
    if (own !== undefined) return own;
    const ownContent = forOwnDevice(content, conversation);
    return (own = ownContent === content ? plaintext : ownContent && encodeContent(ownContent));
  };
  const log = RESENDABLE(content);
  const hint = hintFor(content);
  const outbox: { recipient: string; payload: Uint8Array }[] = [];
  const logged: { recipient: string; digest: Uint8Array | null; content: Uint8Array; messageId: string | null }[] = [];
  for (const r of recipients) {
    const body = r.accountId === keys.accountId ? ownPlaintext() : plaintext;
    if (!body) continue;
    const sealed = ctx.sessions.encryptFor(r, body, hint, reads.burst);
    if (sealed) outbox.push({ recipient: sealed.recipient, payload: sealed.payload });
    if (log) logged.push({ recipient: addressKey(r), digest: sealed?.digest ?? null, content: body, messageId });
  }
  // Devices recorded while this send waited for its sessions get it as a late device would (logged unsent, flushed after).
  const missed = log && conversation !== undefined ? missedRecipients(bare, reads.devices(conversation, () => recipientsOf(ctx, conversation)), recipients) : [];
  for (const r of missed) {
    const body = r.accountId === keys.accountId ? ownPlaintext() : plaintext;
    if (body) logged.push({ recipient: addressKey(r), digest: null, content: body, messageId });
  }
  return () => {
    // A contact none of whose devices are on record yet: the content waits for their list (flushUnsent fetches it); a retry
    // of a message whose first send still waits there adds nothing (their devices get it once). Read here, in the writes:
    // an earlier send of the chunk may have logged it.
    if (log && conversation !== undefined && !recipients.some((r) => r.accountId === conversation) && missed.every((r) => r.accountId !== conversation) && ctx.contacts.get(conversation)
      && !(message === undefined && messageId !== null && store.repairs.waitsFor(awaitingDevicesOf(conversation), messageId))) {
      logged.push({ recipient: awaitingDevicesOf(conversation), digest: null, content: plaintext, messageId });
      lateLogged.add(ctx);
    }
    if (missed.length > 0) lateLogged.add(ctx);
    store.delivery.commitSend({ message, messageId, outbox });
    store.repairs.logSent(logged);
    inSameTransaction?.();
  };
}

/**
 * Answers a device's retry request: archives the session with it, makes a
 * fresh one from a new bundle, and sends the logged content again, naming
 * the digest it repairs. Bounded by MAX_RESENDS_PER_ENTRY per entry.
 */
export async function resendTo(ctx: ChatContext, to: ProtocolAddress, digest: Uint8Array, maxResends: number): Promise<boolean> {
  return ctx.sessions.hold([to], async () => {
    const entry = ctx.store.repairs.findSent(addressKey(to), digest);
    if (!entry || entry.resent >= maxResends) {
      ctx.audit('session.repair_refused', { address: addressKey(to), reason: entry ? 'TOO_MANY_RESENDS' : 'NOT_IN_RESEND_LOG' });
      return false;
    }
    if (!(await ctx.sessions.establish(to, { fresh: true }))) return false;
    const inner = parseContent(entry.content);
    if (inner.type === 'retry' || inner.type === 'resend' || inner.type === 'senderKeyRequest') return false;
    const wrapped = encodeContent({ v: 1, type: 'resend', sentAt: ctx.now(), repairs: toBase64Url(digest), content: inner });
    ctx.store.db.transaction(() => {
      const sealed = ctx.sessions.encryptFor(to, wrapped, hintFor(parseContent(wrapped)));
      if (!sealed) return;
      ctx.store.delivery.commitSend({ outbox: [{ recipient: sealed.recipient, payload: sealed.payload }], messageId: entry.messageId });
      ctx.store.repairs.markSent(entry.id, sealed.digest, true);
    }).immediate();
    ctx.audit('session.repaired', { address: addressKey(to), role: 'sender' });
    return true;
  });
}

/** A typed error's code, for the audit log. */
export const errorCode = (e: unknown): string => (e && typeof e === 'object' && 'code' in e && typeof e.code === 'string' ? e.code : 'UNKNOWN');

/** This account's other devices, as recipients of account-level content. */
export function ownRecipients(ctx: ChatContext): ProtocolAddress[] {
  return ctx.store.ownDevices
    .all()
    .filter((d) => !d.isThisDevice)
    .map((d) => ({ accountId: ctx.keys.accountId, deviceId: d.deviceId }));
}

const flushing = new WeakMap<ChatContext, Promise<void>>();
/** Connections to relays older than repeated devices in one send (they answer BAD_FRAME): each device once per frame there. */
const onceRelays = new WeakSet<RelayClient>();

/** True while sends of this profile wait for their batch or a flush runs (idle upkeep waits meanwhile). */
export const sending = (ctx: ChatContext): boolean => turnSends.has(ctx) || flushing.has(ctx);

/** Per profile: the pending retry of a flush that failed. */
const flushRetries = new WeakMap<ChatContext, NodeJS.Timeout>();

/** Per profile: the flush that runs once the running one ends, for entries committed while it ran (flushOutbox). */
const flushAgain = new WeakMap<ChatContext, Promise<void>>();

/**
 * Sends what the outbox holds, in size-bounded batches; confirmed entries
 * leave the outbox. One flush per core at a time. A call while a flush
 * runs gets one more flush after it, shared by every such call: the
 * running one may already have read the outbox for the last time (a relay
 * message that answers its send and another request together resumes both
 * in one turn), and an entry committed after that read would otherwise wait
 * for the next send or connection. A flush that fails (a timeout, say) is
 * tried again after OUTBOX_RETRY_MS while online, so a burst's tail does
 * not wait for the next send or connection.
 */
export function flushOutbox(ctx: ChatContext): Promise<void> {
  const running = flushing.get(ctx);
  if (running) {
    let next = flushAgain.get(ctx);
    if (!next) {
      // The running flush's failure goes to its own callers (and its retry); this one reports its own.
      next = running.then(() => undefined, () => undefined).then(() => {
        flushAgain.delete(ctx);
        return flushOutbox(ctx);
      });
      flushAgain.set(ctx, next);
    }
    return next;
  }
  const started = doFlush(ctx)
    .catch((e: unknown) => {
      retryFlush(ctx);
      throw e;
    })
    .finally(() => flushing.delete(ctx));
  flushing.set(ctx, started);
  return started;
}

function retryFlush(ctx: ChatContext): void {
  if (flushRetries.has(ctx)) return;
  const t = setTimeout(() => {
    flushRetries.delete(ctx);
    if (ctx.store.db.open && ctx.link.client) void flushOutbox(ctx).catch((e: unknown) => ctx.audit('delivery.failed', { reason: errorCode(e) }));
  }, OUTBOX_RETRY_MS);
  t.unref();
  flushRetries.set(ctx, t);
}

async function doFlush(ctx: ChatContext): Promise<void> {
  const taken = new TakenEntries(ctx);
  try {
    for (;;) {
      const client = ctx.link.client;
      if (!client) return;
      const entries = ctx.store.delivery.outbox(RELAY_MAX_SEND_RECIPIENTS, taken.after);
      if (entries.length === 0) return;
      // One frame stays under the relay's size cap and keeps each device's order; a relay that refuses a device twice gets each
      // once. A JSON frame also stays under SEND_FRAME_TEXT_BYTES of text (the size of entry and its JSON keys, estimated high);
      // a binary one (the relay said it takes them) carries raw bytes and is parsed without strings, so only the relay's cap holds.
      const binary = client.binarySends;
      const cap = binary ? RELAY_MAX_SEND_BYTES : Math.min(RELAY_MAX_SEND_BYTES, SEND_FRAME_TEXT_BYTES);
      const once = onceRelays.has(client);
      const batch: typeof entries = [];
      const addressed = new Set<string>();
      let bytes = 0;
      for (const e of entries) {
        if (once && addressed.has(e.recipient)) break;
        const size = binary ? e.payload.length : Math.ceil((e.payload.length * 4) / 3) + 200;
        if (batch.length > 0 && bytes + size > cap) break;
        batch.push(e);
        addressed.add(e.recipient);
        bytes += size;
      }
      const messages = batch.map((e) => {
        const [accountId, deviceId] = e.recipient.split('.') as [string, string];
        return { accountId, deviceId, envelope: e.payload };
      });
      const answer = client.send(messages).then(() => null, (e: unknown) => ({ e }));
      // While the relay works on this frame, what it took before is confirmed, CONFIRM_COALESCE_MAX entries in one commit.
      if (taken.size >= CONFIRM_COALESCE_MAX) taken.confirm();
      const failed = await answer;
      if (failed) {
        const { e } = failed;
        taken.confirm(); // what the relay took before this frame; `after` starts over
        if (ctx.store.db.open) ctx.store.delivery.noteAttempts(batch.map((b) => b.id)); // only failed frames: a write per frame cost a commit
        // A recipient device left its account's list (revoked): learn the new lists, drop what was for it, go on.
        if (e instanceof RelayClientError && e.code === 'UNKNOWN_DEVICE' && (await dropUnlisted(ctx, client, batch)) > 0) continue;
        if (e instanceof RelayClientError && e.code === 'BAD_FRAME' && !once && addressed.size < batch.length) {
          onceRelays.add(client);
          continue;
        }
        throw e;
      }
      taken.add(batch);
    }
  } finally {
    taken.confirm();
  }
}

/**
 * Fetches the current device list of an account we write to and records it
 * (what new devices are owed is logged in the same transaction, then sent);
 * returns the listed device ids.
 */
export async function refreshDevices(ctx: ChatContext, client: RelayClient, accountId: string): Promise<string[]> {
  let forwarded = 0;
  let listed: string[];
  if (accountId === ctx.keys.accountId) {
    await refreshOwnList(ctx.store, ctx.keys, client, (added) => (forwarded += logForNewDevices(ctx, accountId, added)));
    listed = ctx.store.ownDevices.all().map((d) => d.deviceId);
  } else {
    const list = (await client.getDeviceList(accountId)).devices;
    listed = list.map((d) => d.deviceId);
    // A group member who is not a contact: their devices are the group's record of them, not a contact's.
    if (!ctx.contacts.get(accountId) && ctx.store.groups.hasMember(accountId)) forwarded = recordMemberList(ctx, accountId, list);
    else forwarded = recordContactList(ctx, accountId, list);
  }
  if (forwarded > 0) await flushUnsent(ctx).catch((e: unknown) => ctx.audit('delivery.failed', { reason: errorCode(e) }));
  return listed;
}

/** Removes outbox entries for devices no longer in their account's list; returns how many went. */
async function dropUnlisted(ctx: ChatContext, client: RelayClient, batch: readonly OutboxEntry[]): Promise<number> {
  const accounts = new Set(batch.map((e) => e.recipient.split('.')[0]!));
  const unlisted = new Set<string>();
  for (const accountId of accounts) {
    const listed = new Set(await refreshDevices(ctx, client, accountId));
    for (const e of batch) {
      const [a, d] = e.recipient.split('.') as [string, string];
      if (a === accountId && !listed.has(d)) unlisted.add(e.recipient);
    }
  }
  const ids = [...unlisted].flatMap((r) => ctx.store.delivery.outboxFor(r));
  if (ids.length > 0) ctx.store.delivery.confirmSent(ids);
  for (const r of unlisted) ctx.store.repairs.forgetRecipient(r);
  return ids.length;
}
