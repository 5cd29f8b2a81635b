/** Request handlers behind the session: one function per frame type, each checking auth, limits and signatures. */
import { createHash, randomBytes } from 'node:crypto';
import {
  ONE_TIME_PREKEY_REPLENISH_BELOW, RELAY_MAX_ENVELOPE_BYTES, RELAY_MAX_SEND_BYTES, RELAY_MAX_STORED_PREKEYS, RELAY_ATTACHMENT_TTL_MS, RELAY_BULK_TOKEN_TTL_MS,
} from '../shared/constants';
import type { SignedDeviceList } from '../shared/wire/deviceList';
import { fromBase64Url, toBase64Url } from '../shared/wire/encoding';
import { PreKeyKind } from '../shared/wire/prekeySignature';
import { decodedLength, type ClientFrame, type WirePrekey } from '../shared/wire/relay';
import { hasDevice, type RelayContext } from './context';
import { RelayError } from './errors';
import type { Session } from './session';
import { accountOfDeviceKey, deviceKeyOf, RevokedRecipient, type OutgoingItem } from './store/types';
import { admitList, type ListPath } from './listRule';
import { verifyAccountChange, verifyAuth, verifyDeviceList, verifyPrekey } from './verify';

type Of<T extends ClientFrame['type']> = Extract<ClientFrame, { type: T }>;

/** The authenticated device of `s`, or NOT_AUTHENTICATED. */
export function requireAuth(s: Session): { accountId: string; deviceId: string; deviceKey: string } {
  if (s.state.kind !== 'authenticated') throw new RelayError('NOT_AUTHENTICATED', 'authenticate first');
  return s.state;
}

/** Hex SHA-256, how the relay stores bearer tokens: a leaked database does not leak usable tokens. */
export const sha256Hex = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

const REFUSALS = {
  stale: ['STALE_DEVICE_LIST', 'device list version must be the stored version plus one'],
  'not-successor': ['DEVICE_LIST_NOT_SUCCESSOR', 'device list version must be the stored version plus one'],
  'not-cosigned': ['DEVICE_LIST_NOT_COSIGNED', 'device list must be co-signed by this device, named in the previous list'],
  legacy: ['DEVICE_LIST_NOT_COSIGNED', 'v1 device lists are no longer accepted'],
  superseded: ['ACCOUNT_SUPERSEDED', 'this account key was replaced; no list signed by it is accepted'],
} as const;

/**
 * Stores a verified list if `admitList` allows it (exact successor, co-signed by
 * `device` of the previous list); the store revokes the devices it removed, and
 * its event closes their connections. A refusal carries the current list, since
 * only the account key's holder (who signed `list`) gets here.
 */
async function storeList(ctx: RelayContext, list: SignedDeviceList, device: string, path: ListPath): Promise<void> {
  const previous = await ctx.store.getDeviceList(list.accountId);
  let verdict: ReturnType<typeof admitList> | 'superseded' = admitList(previous, list, device, path);
  if (verdict === 'same') return;
  if (verdict === 'ok') verdict = await ctx.store.putDeviceList(list); // 'stale': another instance stored a successor first
  else if ((await ctx.store.supersededBy(list.accountId)) !== null) verdict = 'superseded'; // the real reason, not the rule it also breaks
  ctx.deviceCache.delete(list.accountId);
  if (verdict === 'ok') return;
  const current = await ctx.store.getDeviceList(list.accountId);
  const [code, message] = REFUSALS[verdict];
  throw new RelayError(code, message, current ? { deviceList: current } : undefined);
}

async function auth(s: Session, ctx: RelayContext, f: Of<'auth'>): Promise<unknown> {
  if (s.state.kind !== 'challenged') throw new RelayError('ALREADY_AUTHENTICATED', 'already authenticated');
  const fail = (): never => {
    throw new RelayError('AUTH_FAILED', 'authentication failed');
  };
  // The signature must cover this relay's own key: one made for a challenge another relay issued (and a proxy forwarded) fails here.
  if (!verifyAuth(ctx.identity.publicKey, s.host, s.state.nonce, f.accountId, f.deviceId, f.signature)) fail();
  let refused: unknown = null;
  if (f.deviceList) {
    const l = f.deviceList;
    if (l.accountId !== f.accountId || !l.devices.some((d) => d.deviceId === f.deviceId) || !verifyDeviceList(l)) fail();
    // A refused list still lets a revoked device learn of its revocation (below); anyone else gets the refusal.
    refused = await storeList(ctx, l, f.deviceId, 'auth').then(() => null, (e: unknown) => e);
  }
  ctx.deviceCache.delete(f.accountId); // authentication always reads the current list, never a possibly stale cache
  const listed = await hasDevice(ctx, f.accountId, f.deviceId);
  // A device of a superseded account's final list still signs in, to read what waits for it (the rotation that moves it on); its list changes nothing.
  if (listed && refused instanceof RelayError && refused.code === 'ACCOUNT_SUPERSEDED') refused = null;
  if (refused && (listed || !(await ctx.store.isRevoked(deviceKeyOf(f.accountId, f.deviceId))))) throw refused;
  if (!listed) {
    // Only a device an earlier list contained learns that it was revoked (with the list that
    // dropped it); any other key gets AUTH_FAILED, so strangers still learn nothing about accounts.
    const list = (await ctx.store.isRevoked(deviceKeyOf(f.accountId, f.deviceId))) ? await ctx.store.getDeviceList(f.accountId) : null;
    if (list) throw new RelayError('DEVICE_REVOKED', 'this device was removed from its account', { deviceList: list });
    fail();
  }
  s.authenticated(f.accountId, f.deviceId);
  return null;
}

async function putDeviceList(s: Session, ctx: RelayContext, f: Of<'putDeviceList'>): Promise<unknown> {
  const me = requireAuth(s);
  if (f.list.accountId !== me.accountId) throw new RelayError('FORBIDDEN', 'a device may only publish its own account list');
  if (!verifyDeviceList(f.list)) throw new RelayError('BAD_SIGNATURE', 'device list signature does not verify');
  await storeList(ctx, f.list, me.deviceId, 'put');
  return null;
}

/**
 * "Remove and secure" (docs/protocol.md §6.8): a device of the new account,
 * still listed in the old account's current list, shows the old key's signed
 * statement that the new key replaces it. From then on no list signed by the
 * old key is stored, so a device revoked before this cannot publish one even
 * holding that key. Only the first supersession of an account counts.
 */
async function supersedeAccount(s: Session, ctx: RelayContext, f: Of<'supersedeAccount'>): Promise<unknown> {
  const me = requireAuth(s);
  if (!verifyAccountChange(f.oldAccountId, me.accountId, f.signature)) throw new RelayError('BAD_SIGNATURE', 'the account change signature does not verify');
  const old = await ctx.store.getDeviceList(f.oldAccountId);
  if (!old?.devices.some((d) => d.deviceId === me.deviceId)) throw new RelayError('FORBIDDEN', "only a device of the old account's current list may supersede it");
  const done = await ctx.store.supersedeAccount(f.oldAccountId, me.accountId, Date.now());
  // Repeating one's own supersession (a retry after a lost answer) is fine; a second, different one is not.
  if (done === 'already' && (await ctx.store.supersededBy(f.oldAccountId)) !== me.accountId) {
    throw new RelayError('ACCOUNT_SUPERSEDED', 'this account key was already replaced');
  }
  ctx.deviceCache.delete(f.oldAccountId);
  return null;
}

async function getDeviceList(s: Session, ctx: RelayContext, f: Of<'getDeviceList'>): Promise<unknown> {
  requireAuth(s);
  const list = await ctx.store.getDeviceList(f.accountId);
  if (!list) throw new RelayError('NOT_FOUND', 'no such account');
  return list;
}

async function uploadPrekeys(s: Session, ctx: RelayContext, f: Of<'uploadPrekeys'>): Promise<unknown> {
  const me = requireAuth(s);
  const checks: [number, WirePrekey][] = [];
  if (f.signedPrekey) checks.push([PreKeyKind.signedEc, f.signedPrekey]);
  if (f.lastResortKem) checks.push([PreKeyKind.lastResortKem, f.lastResortKem]);
  for (const k of f.oneTimeEc ?? []) checks.push([PreKeyKind.oneTimeEc, k]);
  for (const k of f.oneTimeKem ?? []) checks.push([PreKeyKind.oneTimeKem, k]);
  if (checks.length === 0) throw new RelayError('BAD_FRAME', 'no prekeys in upload');
  for (const [kind, key] of checks) {
    if (!verifyPrekey(me.deviceId, kind as PreKeyKind, key)) throw new RelayError('BAD_SIGNATURE', 'a prekey signature does not verify');
  }
  if (f.oneTimeEc?.length && (await ctx.store.addOneTimePrekeys(me.deviceKey, 'oneTimeEc', f.oneTimeEc, RELAY_MAX_STORED_PREKEYS)) === 'too-many') {
    throw new RelayError('TOO_MANY_PREKEYS', 'too many one-time EC prekeys stored');
  }
  if (f.oneTimeKem?.length && (await ctx.store.addOneTimePrekeys(me.deviceKey, 'oneTimeKem', f.oneTimeKem, RELAY_MAX_STORED_PREKEYS)) === 'too-many') {
    throw new RelayError('TOO_MANY_PREKEYS', 'too many one-time KEM prekeys stored');
  }
  if (f.signedPrekey) await ctx.store.setSignedPrekey(me.deviceKey, 'signedEc', f.signedPrekey);
  if (f.lastResortKem) await ctx.store.setSignedPrekey(me.deviceKey, 'lastResortKem', f.lastResortKem);
  return ctx.store.countPrekeys(me.deviceKey);
}

/**
 * Bounded draining (docs/protocol.md §3.4): a requester is limited per target
 * and across all targets (RATE_LIMITED); a target hands out one-time prekeys
 * from a budget shared by all requesters, after which bundles carry only the
 * signed and last-resort keys, so a burst of fresh accounts cannot empty a pool.
 */
async function fetchBundle(s: Session, ctx: RelayContext, f: Of<'fetchBundle'>): Promise<unknown> {
  const me = requireAuth(s);
  const target = deviceKeyOf(f.accountId, f.deviceId);
  if (!ctx.bundleBuckets.take(`${me.deviceKey}>${target}`)) throw new RelayError('RATE_LIMITED', 'too many bundle fetches for this target');
  if (!ctx.bundleRequesterBuckets.take(me.deviceKey)) throw new RelayError('RATE_LIMITED', 'too many bundle fetches');
  if (!(await hasDevice(ctx, f.accountId, f.deviceId))) throw new RelayError('NOT_FOUND', 'no bundle for this device');
  const oneTime = ctx.prekeyBudgets.take(target);
  const taken = await ctx.store.takeBundle(f.accountId, f.deviceId, oneTime);
  if (!taken) throw new RelayError('NOT_FOUND', 'no bundle for this device');
  ctx.metrics.prekeyFetches++;
  if (!oneTime) ctx.metrics.prekeyBudgetSpent++;
  const { left } = taken;
  if (taken.consumed && Math.min(left.oneTimeEc, left.oneTimeKem) < ONE_TIME_PREKEY_REPLENISH_BELOW) {
    for (const live of ctx.sessions.get(target) ?? []) live.prekeysLow(left);
  }
  return taken.bundle;
}

async function send(s: Session, ctx: RelayContext, f: Of<'send'>): Promise<unknown> {
  const me = requireAuth(s);
  let total = 0;
  for (const m of f.messages) {
    const size = decodedLength(m.envelope.length);
    if (size > RELAY_MAX_ENVELOPE_BYTES) throw new RelayError('TOO_LARGE', `an envelope exceeds ${RELAY_MAX_ENVELOPE_BYTES} bytes`);
    total += size;
  }
  if (total > RELAY_MAX_SEND_BYTES) throw new RelayError('TOO_LARGE', `a send exceeds ${RELAY_MAX_SEND_BYTES} bytes`);
  if (!ctx.sendBuckets.take(me.deviceKey, f.messages.length)) throw new RelayError('RATE_LIMITED', 'sending too fast');
  const items: OutgoingItem[] = [];
  const listed = new Set<string>();
  // A device may be addressed more than once (a burst of sends to one contact): its envelopes queue in frame order.
  for (const m of f.messages) {
    const deviceKey = deviceKeyOf(m.accountId, m.deviceId);
    if (!listed.has(deviceKey) && !(await hasDevice(ctx, m.accountId, m.deviceId))) throw new RelayError('UNKNOWN_DEVICE', 'a recipient device is not in its account list');
    listed.add(deviceKey);
    items.push({ deviceKey, envelope: m.envelope });
  }
  const now = Date.now();
  try {
    await ctx.store.enqueue(items, now, now + ctx.limits.messageTtlMs);
  } catch (e) {
    // Revoked after the list check above (or listed only in a stale cache): nothing queued; the sender refreshes the list.
    if (!(e instanceof RevokedRecipient)) throw e;
    ctx.deviceCache.delete(accountOfDeviceKey(e.device));
    throw new RelayError('UNKNOWN_DEVICE', 'a recipient device was revoked');
  }
  ctx.metrics.messagesQueued += items.length;
  ctx.log.trace({ recipients: items.length, bytes: total }, 'queued');
  return { queued: items.length };
}

async function ack(s: Session, ctx: RelayContext, f: Of<'ack'>): Promise<unknown> {
  const me = requireAuth(s);
  const deleted = await ctx.store.ack(me.deviceKey, f.ids);
  s.acked(f.ids);
  return { deleted };
}

/** Requests that create server state spend the sender's send bucket, so they cannot be flooded either. */
function spend(ctx: RelayContext, deviceKey: string): void {
  if (!ctx.sendBuckets.take(deviceKey)) throw new RelayError('RATE_LIMITED', 'too many requests');
}

async function attachmentUpload(s: Session, ctx: RelayContext): Promise<unknown> {
  spend(ctx, requireAuth(s).deviceKey);
  const id = toBase64Url(randomBytes(16));
  const token = toBase64Url(randomBytes(32));
  await ctx.store.createAttachment({ id, tokenHash: sha256Hex(token), size: null, expiresAt: Date.now() + RELAY_ATTACHMENT_TTL_MS });
  return { attachmentId: id, uploadToken: token, path: `/v1/attachments/${id}`, maxBytes: ctx.limits.maxAttachmentBytes };
}

/** A short-lived bearer token for GET /v1/messages (bulk fetch of this device's queue over HTTP). */
function bulkToken(s: Session, ctx: RelayContext): unknown {
  const me = requireAuth(s);
  spend(ctx, me.deviceKey);
  if (ctx.bulkTokens.size >= 100_000) throw new RelayError('RATE_LIMITED', 'too many open bulk tokens');
  const token = toBase64Url(randomBytes(32));
  const expiresAt = Date.now() + RELAY_BULK_TOKEN_TTL_MS;
  ctx.bulkTokens.set(sha256Hex(token), { deviceKey: me.deviceKey, expiresAt });
  return { token, expiresAt, path: '/v1/messages' };
}

async function provisionOpen(s: Session, ctx: RelayContext): Promise<unknown> {
  if (s.provisioningChannel !== null) throw new RelayError('RATE_LIMITED', 'this connection already has a provisioning channel');
  if (ctx.provisioning.size >= 100_000) throw new RelayError('RATE_LIMITED', 'too many open provisioning channels');
  const channelId = toBase64Url(randomBytes(16));
  const expiresAt = Date.now() + ctx.limits.provisioningTtlMs;
  await ctx.store.openProvisioning(channelId, expiresAt);
  ctx.provisioning.set(channelId, { session: s, expiresAt });
  s.provisioningChannel = channelId;
  s.extendUnauthenticated(ctx.limits.provisioningTtlMs);
  return { channelId, expiresAt };
}

/** Posts the payload through the store, so the instance holding the channel (this one or another) delivers it. */
async function provisionSend(s: Session, ctx: RelayContext, f: Of<'provisionSend'>): Promise<unknown> {
  requireAuth(s);
  if (!fromBase64Url(f.payload) || !(await ctx.store.postProvisioning(f.channelId, f.payload, Date.now()))) {
    throw new RelayError('NOT_FOUND', 'no such provisioning channel');
  }
  return null;
}

/** On a provision event: if this instance holds the channel, take the payload, deliver it and close the channel. */
export async function deliverProvisioning(ctx: RelayContext, channelId: string): Promise<void> {
  const ch = ctx.provisioning.get(channelId);
  if (!ch) return;
  const payload = await ctx.store.takeProvisioning(channelId);
  if (payload === null) return;
  ctx.provisioning.delete(channelId);
  ch.session.deliverProvisioning(channelId, payload);
}

/** Runs one authenticated (or auth) request frame and returns the response body; refusals throw RelayError. */
export async function handleRequest(s: Session, ctx: RelayContext, f: ClientFrame): Promise<unknown> {
  switch (f.type) {
    case 'auth':
      return auth(s, ctx, f);
    case 'ping':
      return { time: Date.now() };
    case 'options':
      s.binaryPushes = f.binaryPushes; // every push after this reply follows it (docs/protocol.md §3.1.1)
      return { binaryPushes: f.binaryPushes, binarySends: true };
    case 'putDeviceList':
      return putDeviceList(s, ctx, f);
    case 'getDeviceList':
      return getDeviceList(s, ctx, f);
    case 'uploadPrekeys':
      return uploadPrekeys(s, ctx, f);
    case 'prekeyCount':
      return ctx.store.countPrekeys(requireAuth(s).deviceKey);
    case 'fetchBundle':
      return fetchBundle(s, ctx, f);
    case 'send':
      return send(s, ctx, f);
    case 'ack':
      return ack(s, ctx, f);
    case 'attachmentUpload':
      return attachmentUpload(s, ctx);
    case 'bulkToken':
      return bulkToken(s, ctx);
    case 'provisionOpen':
      return provisionOpen(s, ctx);
    case 'provisionSend':
      return provisionSend(s, ctx, f);
    case 'supersedeAccount':
      return supersedeAccount(s, ctx, f);
  }
}
