/**
 * The send path. Sessions are made (from verified bundles) before anything
 * is encrypted; then ONE transaction advances every recipient's session,
 * stores the message and its outbox entries (sealed envelopes). Only after
 * that commit does anything leave the machine; an outbox entry is removed
 * when the relay confirms it, so a crash or an offline spell resends.
 */
import { RELAY_MAX_SEND_BYTES, RELAY_MAX_SEND_RECIPIENTS } from '../../shared/constants';
import { fromBase64Url, toBase64Url } from '../../shared/wire/encoding';
import { encodeContent, SYNCED_TYPES, type Content, type SyncedContent } from '../../shared/wire/content';
import { publicKeyFromId } from '../../shared/wire/deviceList';
import type { WireBundle, WirePrekey } from '../../shared/wire/relay';
import { encryptMessage, initiateSession, type PreKeyBundle, type ProtocolAddress, addressKey } from '../protocol';
import { MESSAGE_TYPE_INITIAL } from '../protocol/message';
import type { NewMessage, OutboxEntry } from '../store';
import { RelayClientError } from '../relayClient/errors';
import type { RelayClient } from '../relayClient/client';
import { refreshOwnList } from './ownDevices';
import { EnvelopeKind, seal } from '../messaging/sealedSender';
import type { ChatContext } from './context';
import { ChatError } from './errors';

function prekeyFrom(w: WirePrekey) {
  const publicKey = fromBase64Url(w.publicKey);
  const signature = fromBase64Url(w.signature);
  if (!publicKey || !signature) throw new ChatError('CHAT_BAD_DEVICE_LIST', 'The relay sent a malformed prekey.');
  return { id: w.keyId, publicKey, signature };
}

export function bundleFromWire(w: WireBundle): PreKeyBundle {
  const identityKey = publicKeyFromId(w.deviceId);
  if (!identityKey) throw new ChatError('CHAT_BAD_DEVICE_LIST', 'The relay sent a bundle for a malformed device id.');
  const kem = w.oneTimeKem ?? w.lastResortKem;
  return {
    identityKey,
    signedPreKey: prekeyFrom(w.signedPrekey),
    oneTimePreKey: w.oneTimeEc ? prekeyFrom(w.oneTimeEc) : undefined,
    kemPreKey: { ...prekeyFrom(kem), kind: w.oneTimeKem ? 'oneTime' : 'lastResort' },
  };
}

/** Makes a session with every target that has none yet (needs the relay; targets it cannot reach are skipped). */
export async function ensureSessions(ctx: ChatContext, targets: readonly ProtocolAddress[]): Promise<void> {
  const missing = targets.filter((t) => ctx.store.protocol.loadSessionSync(t) === null);
  if (missing.length === 0) return;
  const client = await ctx.link.online(5_000);
  if (!client) return;
  for (const t of missing) {
    let wire: WireBundle;
    try {
      wire = await client.fetchBundle(t.accountId, t.deviceId);
    } catch {
      continue; // no bundle yet (a device still linking) or rate-limited: the next send tries again
    }
    const record = initiateSession(null, ctx.keys.identity, bundleFromWire(wire), ctx.now());
    ctx.store.protocol.storeSessionSync(t, record);
  }
}

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

/**
 * Encrypts `content` to each recipient with a session and commits sessions,
 * message and outbox in one transaction. `conversation` names the peer for
 * conversation content: this account's other devices then get a sync
 * transcript of it instead.
 */
export function queueContent(ctx: ChatContext, recipients: readonly ProtocolAddress[], content: Content, message?: NewMessage, conversation?: string): void {
  const plaintext = encodeContent(content);
  const ownContent = forOwnDevice(content, conversation);
  const ownPlaintext = ownContent === content ? plaintext : ownContent && encodeContent(ownContent);
  const { store, keys } = ctx;
  const sender = { accountKey: keys.accountPublicKey, deviceKey: keys.identity.publicKey };
  store.db.transaction(() => {
    const outbox: { recipient: string; payload: Uint8Array }[] = [];
    for (const r of recipients) {
      const own = r.accountId === keys.accountId;
      if (own && r.deviceId === keys.deviceId) continue;
      const body = own ? ownPlaintext : plaintext;
      const record = store.protocol.loadSessionSync(r);
      const deviceKey = publicKeyFromId(r.deviceId);
      if (!body || !record || !deviceKey) continue;
      const out = encryptMessage(record, body, ctx.now());
      store.protocol.storeSessionSync(r, out.record);
      const kind = out.ciphertext[0] === MESSAGE_TYPE_INITIAL ? EnvelopeKind.prekey : EnvelopeKind.message;
      outbox.push({ recipient: addressKey(r), payload: seal(deviceKey, sender, kind, out.ciphertext) });
    }
    store.delivery.commitSend({ message, outbox });
  }).immediate();
}

/** This account's other devices, as recipients of account-level content. */
export function ownRecipients(ctx: ChatContext): ProtocolAddress[] {
  return ctx.store.directory
    .ownDevices()
    .filter((d) => !d.isThisDevice)
    .map((d) => ({ accountId: ctx.keys.accountId, deviceId: d.deviceId }));
}

const flushing = new WeakMap<ChatContext, Promise<void>>();

/** Sends what the outbox holds, in size-bounded batches; confirmed entries leave the outbox. One flush per core at a time. */
export function flushOutbox(ctx: ChatContext): Promise<void> {
  let running = flushing.get(ctx);
  if (!running) {
    running = doFlush(ctx).finally(() => flushing.delete(ctx));
    flushing.set(ctx, running);
  }
  return running;
}

async function doFlush(ctx: ChatContext): Promise<void> {
  for (;;) {
    const client = ctx.link.client;
    if (!client) return;
    const entries = ctx.store.delivery.outbox(RELAY_MAX_SEND_RECIPIENTS);
    if (entries.length === 0) return;
    // One frame addresses each device at most once and stays under the relay's size cap; order per device is kept.
    const batch: typeof entries = [];
    const addressed = new Set<string>();
    let bytes = 0;
    for (const e of entries) {
      if (addressed.has(e.recipient)) break;
      const size = Math.ceil((e.payload.length * 4) / 3) + 200;
      if (batch.length > 0 && bytes + size > RELAY_MAX_SEND_BYTES) break;
      batch.push(e);
      addressed.add(e.recipient);
      bytes += size;
    }
    const messages = batch.map((e) => {
      const [accountId, deviceId] = e.recipient.split('.') as [string, string];
      return { accountId, deviceId, envelope: toBase64Url(e.payload) };
    });
    for (const e of batch) ctx.store.delivery.noteAttempt(e.id);
    try {
      await client.send(messages);
    } catch (e) {
      // A recipient device left its account's list (revoked): learn the new lists, drop what was for it, go on.
      if (e instanceof RelayClientError && e.code === 'UNKNOWN_DEVICE' && (await dropUnlisted(ctx, client, batch)) > 0) continue;
      throw e;
    }
    ctx.store.delivery.confirmSent(batch.map((e) => e.id));
    const byConversation = new Map<string, string[]>();
    for (const e of batch) {
      const m = e.messageId ? ctx.store.messages.get(e.messageId) : null;
      if (m) byConversation.set(m.conversationId, [...(byConversation.get(m.conversationId) ?? []), m.id]);
    }
    for (const [conversationId, ids] of byConversation) ctx.events.messagesChanged(conversationId, ids);
  }
}

/** Fetches the current device list of an account we write to and records it; returns the listed device ids. */
export async function refreshDevices(ctx: ChatContext, client: RelayClient, accountId: string): Promise<string[]> {
  if (accountId === ctx.keys.accountId) {
    await refreshOwnList(ctx.store, ctx.keys, client);
    return ctx.store.directory.ownDevices().map((d) => d.deviceId);
  }
  const ids = (await client.getDeviceList(accountId)).devices.map((d) => d.deviceId);
  const before = ctx.contacts.devices(accountId);
  ctx.store.db.transaction(() => {
    ctx.contacts.setDevices(accountId, ids);
    for (const d of before) if (!ids.includes(d)) ctx.store.db.prepare('DELETE FROM sessions WHERE address = ?').run(`${accountId}.${d}`);
  })();
  return ids;
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
  const gone = ctx.store.db.prepare('SELECT id FROM outbox WHERE recipient = ?').pluck();
  const ids = [...unlisted].flatMap((r) => gone.all(r) as number[]);
  if (ids.length > 0) ctx.store.delivery.confirmSent(ids);
  return ids.length;
}
