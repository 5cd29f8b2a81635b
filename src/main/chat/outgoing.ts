/**
 * The send path. Sessions are made (from verified bundles) before anything
 * is encrypted; then ONE transaction advances every recipient's session,
 * stores the message and its outbox entries (sealed envelopes). Only after
 * that commit does anything leave the machine; an outbox entry is removed
 * when the relay confirms it, so a crash or an offline spell resends.
 */
import { RELAY_MAX_SEND_BYTES, RELAY_MAX_SEND_RECIPIENTS } from '../../shared/constants';
import { fromBase64Url, toBase64Url } from '../../shared/wire/encoding';
import { encodeContent, type Content } from '../../shared/wire/content';
import { publicKeyFromId } from '../../shared/wire/deviceList';
import type { WireBundle, WirePrekey } from '../../shared/wire/relay';
import { encryptMessage, initiateSession, type PreKeyBundle, type ProtocolAddress, addressKey } from '../protocol';
import { MESSAGE_TYPE_INITIAL } from '../protocol/message';
import type { NewMessage } from '../store';
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
    const bundle = bundleFromWire(await client.fetchBundle(t.accountId, t.deviceId));
    const record = initiateSession(null, ctx.keys.identity, bundle, ctx.now());
    ctx.store.protocol.storeSessionSync(t, record);
  }
}

/** Every device a message to `accountId` goes to: the contact's devices, then this account's other devices. */
export function recipientsOf(ctx: ChatContext, accountId: string): ProtocolAddress[] {
  const theirs = ctx.contacts.devices(accountId).map((deviceId) => ({ accountId, deviceId }));
  const mine = ctx.store.directory
    .ownDevices()
    .filter((d) => !d.isThisDevice)
    .map((d) => ({ accountId: ctx.keys.accountId, deviceId: d.deviceId }));
  return [...theirs, ...mine];
}

/** Encrypts `content` to each recipient with a session and commits sessions, message and outbox in one transaction. */
export function queueContent(ctx: ChatContext, recipients: readonly ProtocolAddress[], content: Content, message?: NewMessage): void {
  const plaintext = encodeContent(content);
  const { store, keys } = ctx;
  const sender = { accountKey: keys.accountPublicKey, deviceKey: keys.identity.publicKey };
  store.db.transaction(() => {
    const outbox: { recipient: string; payload: Uint8Array }[] = [];
    for (const r of recipients) {
      const record = store.protocol.loadSessionSync(r);
      const deviceKey = publicKeyFromId(r.deviceId);
      if (!record || !deviceKey) continue;
      const out = encryptMessage(record, plaintext, ctx.now());
      store.protocol.storeSessionSync(r, out.record);
      const kind = out.ciphertext[0] === MESSAGE_TYPE_INITIAL ? EnvelopeKind.prekey : EnvelopeKind.message;
      outbox.push({ recipient: addressKey(r), payload: seal(deviceKey, sender, kind, out.ciphertext) });
    }
    store.delivery.commitSend({ message, outbox });
  }).immediate();
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
    await client.send(messages);
    ctx.store.delivery.confirmSent(batch.map((e) => e.id));
    const byConversation = new Map<string, string[]>();
    for (const e of batch) {
      const m = e.messageId ? ctx.store.messages.get(e.messageId) : null;
      if (m) byConversation.set(m.conversationId, [...(byConversation.get(m.conversationId) ?? []), m.id]);
    }
    for (const [conversationId, ids] of byConversation) ctx.events.messagesChanged(conversationId, ids);
  }
}
