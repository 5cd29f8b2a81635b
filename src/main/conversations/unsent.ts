/**
 * Content logged but not yet sent: for a device with no session at send
 * time (no bundle yet: a device still linking, or offline), and for a
 * contact none of whose devices were on record (awaitingDevicesOf). Tried
 * after send batches, on each connection and on the upkeep tick; each
 * device (and each awaited list) backs off on its own.
 */
import { STORE_MAX_PENDING_LIST, UNSENT_RETRY_BASE_MS, UNSENT_RETRY_MAX_MS } from '../../shared/constants';
import { parseContent } from '../../shared/wire/content';
import { addressKey, type ProtocolAddress } from '../protocol';
import type { ChatContext } from './context';
import type { ResendEntry } from '../store/repairs';
import { awaitingDevicesOf, isAwaitingDevices } from './lateDevices';
import { errorCode, flushOutbox, hintFor, parseAddress, refreshDevices } from './outgoing';

/**
 * Encrypts logged content that had no session at send time, for every
 * device a session can now be made with; what still cannot go waits for
 * the next call (on each connection and on the maintenance tick).
 */
export async function flushUnsent(ctx: ChatContext): Promise<number> {
  const backoff = unsentBackoff.get(ctx) ?? new Map<string, { next: number; wait: number }>();
  unsentBackoff.set(ctx, backoff);
  const now = ctx.now();
  // Recipient by recipient, so one that backs off (with any number of rows) never hides the others' content.
  const recipients = ctx.store.repairs.unsentRecipients().filter((r) => (backoff.get(r)?.next ?? 0) <= now);
  let sent = 0;
  for (const recipient of recipients) {
    if (isAwaitingDevices(recipient)) {
      await fetchAwaitedList(ctx, recipient.slice(0, -1), backoff);
      continue;
    }
    const to = parseAddress(recipient);
    const started = await ctx.sessions.hold([to], async () => {
      if (!(await ctx.sessions.establish(to))) {
        // No bundle yet (a device still linking), offline or refused: try this device again later, doubling the wait.
        const wait = Math.min(UNSENT_RETRY_MAX_MS, (backoff.get(recipient)?.wait ?? UNSENT_RETRY_BASE_MS / 2) * 2);
        backoff.set(recipient, { next: ctx.now() + wait, wait });
        return false;
      }
      backoff.delete(recipient);
      sent += sendLogged(ctx, to, ctx.store.repairs.unsentFor(recipient, STORE_MAX_PENDING_LIST));
      return true;
    });
    // Outside the hold: recording the list may flush what waits for the account's other devices.
    if (!started) await dropIfUnlisted(ctx, to);
  }
  if (sent > 0) void flushOutbox(ctx).catch((err: unknown) => ctx.audit('delivery.failed', { reason: errorCode(err) }));
  return sent;
}

/**
 * After a failed session start with a device content waits for: asks for
 * its account's list again and, when the list no longer names the device
 * (revoked while the content waited, and the change never reached us: a
 * crash between a receive commit and its list refresh, say), forgets what
 * waited for it, with a trace. The list is recorded as any refresh does.
 */
async function dropIfUnlisted(ctx: ChatContext, to: ProtocolAddress): Promise<void> {
  const client = ctx.link.client;
  if (!client || !ctx.store.db.open) return;
  let listed: string[];
  try {
    listed = await refreshDevices(ctx, client, to.accountId);
  } catch (e) {
    ctx.audit('devices.refresh_failed', { reason: errorCode(e), accountId: to.accountId });
    return;
  }
  if (listed.includes(to.deviceId) || !ctx.store.db.open) return;
  const count = ctx.store.repairs.forgetRecipient(addressKey(to));
  if (count > 0) ctx.audit('delivery.failed', { address: addressKey(to), reason: 'UNLISTED_DEVICE', count });
}

/** Encrypts logged entries for `to` (a session exists; the caller holds it) into the outbox, in order, in one transaction; returns how many went. */
function sendLogged(ctx: ChatContext, to: ProtocolAddress, entries: readonly ResendEntry[]): number {
  let sent = 0;
  ctx.store.db.transaction(() => {
    for (const e of entries) {
      const sealed = ctx.sessions.encryptFor(to, e.content, hintFor(parseContent(e.content)));
      if (!sealed) continue;
      ctx.store.delivery.commitSend({ outbox: [{ recipient: sealed.recipient, payload: sealed.payload }], messageId: e.messageId });
      ctx.store.repairs.markSent(e.id, sealed.digest, false);
      sent++;
    }
  }).immediate();
  return sent;
}

/**
 * Call while holding `targets`, before encrypting new content to them: the
 * content logged earlier for those that have a session by now goes into the
 * outbox first, in its order, so a device never gets newer content before
 * older (a group's sender key before its creation, which the device would
 * refuse as an unknown group). Devices still without a session get the new
 * content logged unsent behind it (queueContent), in order too. Returns how
 * many rows went.
 */
export function sendWaitingFirst(ctx: ChatContext, targets: readonly ProtocolAddress[]): number {
  if (!ctx.store.repairs.hasUnsent()) return 0;
  // One query for who waits at all (a device offline for a day keeps rows the whole time), then each such target's rows.
  const waitingFor = new Set(ctx.store.repairs.unsentRecipients());
  let sent = 0;
  for (const t of targets) {
    const key = addressKey(t);
    if (!waitingFor.has(key) || !ctx.sessions.has(t)) continue;
    sent += sendLogged(ctx, t, ctx.store.repairs.unsentFor(key, STORE_MAX_PENDING_LIST));
    unsentBackoff.get(ctx)?.delete(key);
  }
  return sent;
}

/**
 * Fetches the device list of a contact that content waits for
 * (awaitingDevicesOf): recording it logs that content for each listed
 * device, and refreshDevices sends it. Offline or refused: recorded, and
 * tried again later with the same doubling wait as a device with no bundle.
 */
async function fetchAwaitedList(ctx: ChatContext, accountId: string, backoff: Map<string, { next: number; wait: number }>): Promise<void> {
  const key = awaitingDevicesOf(accountId);
  const client = ctx.link.client;
  const fail = (reason: string): void => {
    const wait = Math.min(UNSENT_RETRY_MAX_MS, (backoff.get(key)?.wait ?? UNSENT_RETRY_BASE_MS / 2) * 2);
    backoff.set(key, { next: ctx.now() + wait, wait });
    ctx.audit('devices.refresh_failed', { reason });
  };
  if (!client) return; // nothing tried: the next connection runs flushUnsent
  try {
    await refreshDevices(ctx, client, accountId);
    backoff.delete(key);
  } catch (err) {
    fail(errorCode(err));
  }
}

/** Per profile: when each device without a session may be tried again (in memory: a restart retries at once). */
const unsentBackoff = new WeakMap<ChatContext, Map<string, { next: number; wait: number }>>();

/**
 * A device we were backing off from just wrote to us, so it is up and has
 * its prekeys on the relay: try what waits for it now.
 */
export async function nudgeUnsent(ctx: ChatContext, from: ProtocolAddress): Promise<void> {
  if (!unsentBackoff.get(ctx)?.delete(addressKey(from))) return;
  await flushUnsent(ctx);
}

/**
 * Of `targets` (a send batch's devices, now with sessions), forgets the
 * backoff of those content waited for; returns how many (flush them now,
 * not on the next tick).
 */
export function releaseReached(ctx: ChatContext, targets: readonly ProtocolAddress[]): number {
  const backoff = unsentBackoff.get(ctx);
  return backoff ? targets.filter((t) => backoff.has(addressKey(t)) && ctx.sessions.has(t) && backoff.delete(addressKey(t))).length : 0;
}

/**
 * The upkeep tick, before the resend log's prune: drops what waited past
 * its bound, each recipient with a trace. Content logged for a device that
 * never got a session, or an account whose list never came, after
 * RESEND_LOG_TTL_MS (a text among it shows "not delivered" by then); group
 * content held for an update that never came, after GROUP_HELD_TTL_MS.
 */
export function dropExpired(ctx: ChatContext): void {
  for (const [recipient, count] of ctx.store.repairs.dropExpiredUnsent()) {
    const who = isAwaitingDevices(recipient) ? { accountId: recipient.slice(0, -1) } : { address: recipient };
    ctx.audit('delivery.unsent_dropped', { ...who, reason: 'UNSENT_EXPIRED', count });
  }
  for (const [address, count] of ctx.store.groupHeld.prune()) ctx.audit('group.held_dropped', { address, reason: 'GROUP_HELD_EXPIRED', count });
}
