/**
 * The receive path. An envelope is unsealed, its sender device checked
 * against the sender account's signed device list, and decrypted without
 * writing anything. Then ONE transaction commits the new session record,
 * consumed prekeys, the message or its effect (receipt, edit, reaction,
 * delete, timer), the processed envelope id and the ack intent. Only then
 * is the relay acked. A failed decrypt changes no state.
 */
import { fromBase64Url, toBase64Url } from '../../shared/wire/encoding';
import { parseContent, type Content } from '../../shared/wire/content';
import { decryptMessage, requiredPreKeys, type ProtocolAddress } from '../protocol';
import { isParleyError } from '../../shared/errors';
import type { IncomingMessage } from '../relayClient/client';
import type { DeliveryState, NewMessage } from '../store';
import { unseal } from '../messaging/sealedSender';
import type { ChatContext } from './context';
import { ChatError } from './errors';
import { queueContent, recipientsOf, flushOutbox, refreshDevices } from './outgoing';
import { applyOwnContent } from './sync';
import { unknownName } from './contactsRepo';
import { verifyKeyChange } from '../account/rotation';
import { refreshOwnList } from './ownDevices';

const RANK: Record<DeliveryState, number> = { failed: 0, queued: 1, sent: 2, delivered: 3, read: 4 };

/**
 * Confirms the sender device is in its account's signed device list: from
 * the stored list, or a fresh one from the relay (signature and version
 * checked by the client). Returns the fresh list's device ids, or null when
 * the stored list already vouched for the device.
 */
async function vouchSender(ctx: ChatContext, a: ProtocolAddress): Promise<string[] | null> {
  if (a.accountId === ctx.keys.accountId) {
    const known = () => ctx.store.directory.ownDevices().some((d) => d.deviceId === a.deviceId);
    if (known()) return null;
    const own = ctx.link.client;
    if (!own) throw new ChatError('CHAT_OFFLINE', 'This account’s device list cannot be checked while offline.');
    await refreshOwnList(ctx.store, ctx.keys, own);
    if (known()) return null;
    throw new ChatError('CHAT_BAD_DEVICE_LIST', 'The sending device is not one of this account’s devices.');
  }
  if (ctx.contacts.devices(a.accountId).includes(a.deviceId)) return null;
  const client = ctx.link.client;
  if (!client) throw new ChatError('CHAT_OFFLINE', 'The sender’s device list cannot be checked while offline.');
  const ids = (await client.getDeviceList(a.accountId)).devices.map((d) => d.deviceId);
  if (!ids.includes(a.deviceId)) throw new ChatError('CHAT_BAD_DEVICE_LIST', 'The sending device is not in its account’s signed device list.');
  return ids;
}

/** Creates the contact and conversation for a first message from someone who added us. */
function ensureContact(ctx: ChatContext, accountId: string, name: string | null): void {
  if (ctx.contacts.get(accountId)) {
    if (name && ctx.contacts.get(accountId)!.name === unknownName(accountId)) {
      ctx.store.db.prepare('UPDATE contacts SET display_name = ? WHERE account_id = ?').run(name, accountId);
      ctx.store.messages.upsertConversation({ id: accountId, kind: 'direct', peerAccountId: accountId, title: name, expireTimerMs: conversationTimer(ctx, accountId) });
    }
    return;
  }
  const title = name ?? unknownName(accountId);
  ctx.contacts.insert({ accountId, name: title, relayUrl: null }, ctx.now());
  ctx.store.messages.upsertConversation({ id: accountId, kind: 'direct', peerAccountId: accountId, title, expireTimerMs: null });
}

function conversationTimer(ctx: ChatContext, id: string): number | null {
  return (ctx.store.db.prepare('SELECT expire_timer_ms FROM conversations WHERE id = ?').pluck().get(id) as number | null | undefined) ?? null;
}

/** Applies a content's effect inside the receive transaction; returns the message to insert, if any. */
function applyContent(ctx: ChatContext, from: ProtocolAddress, content: Content, receivedAt: number, changed: Set<string>): NewMessage | undefined {
  const conversationId = from.accountId;
  const db = ctx.store.db;
  const own = (id: string) => ctx.store.messages.get(id);
  switch (content.type) {
    case 'profile':
      ensureContact(ctx, from.accountId, content.name);
      return undefined;
    case 'text': {
      ensureContact(ctx, from.accountId, null);
      changed.add(content.id);
      return {
        id: content.id,
        conversationId,
        sender: from.accountId,
        direction: 'in',
        body: content.text,
        sentAt: content.sentAt,
        receivedAt,
        state: 'delivered',
        replyTo: content.replyTo,
        expiresAt: content.expireSeconds ? receivedAt + content.expireSeconds * 1000 : null,
      };
    }
    case 'receipt':
      for (const id of content.targets) {
        const m = own(id);
        const next: DeliveryState = content.kind === 'read' ? 'read' : 'delivered';
        if (m && m.direction === 'out' && m.conversationId === conversationId && RANK[next] > RANK[m.state]) {
          ctx.store.messages.setState(id, next);
          changed.add(id);
        }
      }
      return undefined;
    case 'edit': {
      const m = own(content.target);
      if (m && m.sender === from.accountId) {
        ctx.store.messages.edit(m.id, content.text, content.sentAt);
        changed.add(m.id);
      }
      return undefined;
    }
    case 'delete': {
      const m = own(content.target);
      if (m && m.sender === from.accountId) {
        db.prepare(`UPDATE messages SET body = '', deleted_at = ? WHERE id = ?`).run(content.sentAt, m.id);
        changed.add(m.id);
      }
      return undefined;
    }
    case 'reaction': {
      const m = own(content.target);
      if (!m || m.conversationId !== conversationId) return undefined;
      if (content.emoji === null) ctx.store.reactions.remove(m.id, from.accountId);
      else ctx.store.reactions.set({ messageId: m.id, sender: from.accountId, emoji: content.emoji, reactedAt: content.sentAt });
      changed.add(m.id);
      return undefined;
    }
    case 'timer':
      db.prepare('UPDATE conversations SET expire_timer_ms = ? WHERE id = ?').run(content.expireSeconds === null ? null : content.expireSeconds * 1000, conversationId);
      return undefined;
    case 'typing':
      return undefined;
    case 'accountKeyChange': {
      // Signed by the key we know: show the change and block sending until the user accepts it.
      const c = ctx.contacts.get(from.accountId);
      if (c && !c.pendingAccountId && verifyKeyChange(from.accountId, content.newAccountId, content.signature)) {
        ctx.contacts.setPendingAccount(from.accountId, content.newAccountId);
      }
      return undefined;
    }
    default:
      // sync, contacts, settings, ownDevices: only this account's own devices may send these.
      return undefined;
  }
}

/** Handles one envelope from the relay; resolves after the commit and the ack. */
export async function handleIncoming(ctx: ChatContext, m: IncomingMessage): Promise<void> {
  const { store } = ctx;
  const client = ctx.link.client;
  if (store.delivery.isProcessed(m.id)) {
    await ack(ctx, [m.id]);
    return;
  }
  let from: ProtocolAddress;
  let content: Content;
  let freshDevices: string[] | null;
  let commit: Parameters<typeof store.delivery.commitReceive>[0];
  try {
    const opened = unseal(m.envelope, ctx.keys.x25519);
    from = { accountId: toBase64Url(opened.senderAccountKey), deviceId: toBase64Url(opened.senderDeviceKey) };
    freshDevices = await vouchSender(ctx, from);
    const need = requiredPreKeys(opened.message);
    const p = store.protocol;
    const out = decryptMessage({
      record: p.loadSessionSync(from),
      identity: ctx.keys.identity,
      remoteIdentity: opened.senderDeviceKey,
      message: opened.message,
      preKeys: need
        ? {
            signedPreKey: p.loadSignedPreKeySync(need.signedPreKeyId),
            oneTimePreKey: need.oneTimePreKeyId === null ? null : p.loadPreKeySync(need.oneTimePreKeyId),
            kemPreKey: p.loadKyberPreKeySync(need.kemPreKeyId),
          }
        : undefined,
      now: ctx.now(),
    });
    content = parseContent(out.plaintext);
    commit = { envelopeId: m.id, session: { address: from, record: out.record }, newIdentity: out.newSessionIdentity, consumed: out.consumed };
  } catch (e) {
    if (isParleyError(e) && e.code === 'CHAT_OFFLINE') return; // left on the relay, redelivered when back online
    // Undecryptable, forged or malformed: nothing changes but the dedupe id, so it is not offered again.
    store.delivery.commitReceive({ envelopeId: m.id });
    await ack(ctx, [m.id]);
    return;
  }

  const changed = new Set<string>();
  const own = from.accountId === ctx.keys.accountId;
  let message: NewMessage | undefined;
  let attachmentId: string | null = null;
  let refresh: string[] = content.type === 'devicesChanged' ? [from.accountId] : [];
  let conversationId = from.accountId;
  // The text this envelope carries: a contact's message, or our own sent on another device.
  const text = content.type === 'text' ? content : content.type === 'sync' && content.content.type === 'text' ? content.content : null;
  store.db.transaction(() => {
    if (own) {
      const applied = applyOwnContent(ctx, from.deviceId, content, ctx.now(), changed);
      message = applied.message;
      refresh = applied.refresh;
      conversationId = applied.conversationId ?? conversationId;
    } else {
      message = applyContent(ctx, from, content, ctx.now(), changed);
      if (freshDevices && ctx.contacts.get(from.accountId)) ctx.contacts.setDevices(from.accountId, freshDevices);
    }
    store.delivery.commitReceive({ ...commit, message });
    const a = text?.attachment ?? null;
    const key = a ? fromBase64Url(a.key) : null;
    const digest = a ? fromBase64Url(a.digest) : null;
    if (message && a && key?.length === 32 && digest) {
      attachmentId = `${message.id}-0`;
      store.attachments.put({ id: attachmentId, messageId: message.id, contentType: a.mime, size: a.size, fileName: a.name, localPath: null, key, digest });
    }
  }).immediate();
  await ack(ctx, [m.id]);

  if (content.type === 'typing') ctx.events.typing(conversationId, content.typing);
  if (content.type === 'profile' || content.type === 'contacts') ctx.events.contactsChanged();
  if (changed.size > 0) ctx.events.messagesChanged(conversationId, [...changed]);
  if (content.type !== 'typing') ctx.events.conversationsChanged();
  if (content.type === 'ownDevices' || (own && content.type === 'devicesChanged')) ctx.events.devicesChanged();
  if (message && text?.attachment && attachmentId) {
    ctx.fetchAttachment(conversationId, message.id, attachmentId, text.attachment);
  }
  if (refresh.length > 0 && client) void refreshAll(ctx, client, refresh);
  if (own && content.type === 'accountRotated') {
    const secret = fromBase64Url(content.accountSecretKey);
    if (secret?.length === 64 && verifyKeyChange(ctx.keys.accountId, toBase64Url(secret.subarray(32)), content.signature)) {
      void ctx.adoptRotation(secret, content.backup).catch(() => undefined);
    }
  }
  if (message && content.type === 'text' && !own) {
    ctx.events.typing(conversationId, false);
    ctx.events.incomingText({ conversationId, from: ctx.contacts.get(from.accountId)?.name ?? from.accountId, id: message.id, text: message.body, sentAt: message.sentAt });
    // Delivery receipt, end-to-end encrypted like any content.
    queueContent(ctx, recipientsOf(ctx, from.accountId).filter((r) => r.accountId === from.accountId), { v: 1, type: 'receipt', kind: 'delivered', targets: [message.id], sentAt: ctx.now() });
    if (client) void flushOutbox(ctx).catch(() => undefined);
  }
}

/** Fetches device lists again after a device-list change; a failure waits for the next change or send. */
async function refreshAll(ctx: ChatContext, client: NonNullable<ChatContext['link']['client']>, accounts: readonly string[]): Promise<void> {
  for (const a of accounts) {
    try {
      await refreshDevices(ctx, client, a);
    } catch {
      /* next send retries through UNKNOWN_DEVICE */
    }
  }
  ctx.events.contactsChanged();
  ctx.events.devicesChanged();
}

/** Acks to the relay after the commit; the intent stays recorded until the relay confirms. */
export async function ack(ctx: ChatContext, ids: readonly string[]): Promise<void> {
  const client = ctx.link.client;
  if (!client || ids.length === 0) return;
  try {
    await client.ack(ids);
    ctx.store.delivery.clearAcks(ids);
  } catch {
    /* retried on the next connection from pending_acks */
  }
}
