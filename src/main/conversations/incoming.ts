/**
 * The receive path for one envelope (receiveBatch.ts runs it for each
 * envelope of a relay push). An envelope is unsealed (which authenticates
 * the sending device), the device checked against its account's signed
 * device list, and then, holding that device in the session layer,
 * decrypted without writing anything. One savepoint of the batch
 * transaction commits the new session record, consumed prekeys, the
 * content's effect, the processed envelope id and the ack intent. Only
 * after the batch commits is the relay acked. A failed decrypt changes no state.
 *
 * Nothing is dropped silently:
 * - an envelope that does not open, or names an unlisted device, is dropped
 *   (anyone could forge it) and counted in the audit log;
 * - an envelope from a listed device that does not decrypt leaves a
 *   placeholder row in the conversation and, in the same transaction, a
 *   retry request sealed to that device; the resend replaces the placeholder.
 */
import { fromBase64Url, toBase64Url } from '../../shared/wire/encoding';
import { encodeContent, parseContent, type Content } from '../../shared/wire/content';
import { MAX_RESENDS_PER_ENTRY } from '../../shared/constants';
import { addressKey, ProtocolError, type ProtocolAddress } from '../protocol';
import type { IncomingMessage } from '../relayClient/client';
import type { NewMessage } from '../store';
import { ContentHint, EnvelopeKind, type Unsealed } from '../session/sealedSender';
import { messageDigest } from '../session/sessionLayer';
import type { ChatContext } from './context';
import type { BatchEffects } from './batchEffects';
import { ChatError } from '../account/errors';
import { errorCode, resendTo } from './outgoing';
import { nudgeUnsent } from './unsent';
import { logForNewDevices, recordContactList, type NewDevice } from './lateDevices';
import { tellNewContact } from './linkedDevices';
import { applyOwnContent } from './ownContent';
import { unknownName } from '../store/contacts';
import { verifyKeyChange } from '../account/rotation';
import { refreshOwnList } from '../account/deviceList';
import { applyConversationContent } from './effects';
import { inTransaction } from '../store/database';
import { noteRefreshes, refreshAll } from './owedRefreshes';

/** The placeholder row's id for a failed ratchet message (its digest's first 16 bytes): the resend names the same digest. */
export const placeholderId = (digest: Uint8Array): string => toBase64Url(digest.subarray(0, 16));

/**
 * True for this account's own devices: by account, or by device for one of
 * our devices that already switched to a new account key (a phrase rotation
 * it tells us about under the new key, before we have switched).
 */
function isOwnDevice(ctx: ChatContext, a: ProtocolAddress): boolean {
  return a.accountId === ctx.keys.accountId || (a.deviceId !== ctx.keys.deviceId && ctx.store.ownDevices.has(a.deviceId));
}

/**
 * A sender device's standing: `fresh` is its account's list when it was fetched (the device was new to us; a contact's list is
 * recorded in the receive transaction), `forwarded` how many forwards to our own new devices were logged when our own list was refreshed here.
 */
export interface Vouched {
  readonly fresh: readonly NewDevice[] | null;
  readonly forwarded: number;
}

/**
 * Confirms the sender device is in its account's signed device list: from
 * the stored list, or a fresh one from the relay (signature and version
 * checked by the client). Our own list is adopted here, with the forwards
 * to our new devices in the same transaction.
 */
export async function vouchSender(ctx: ChatContext, a: ProtocolAddress): Promise<Vouched> {
  const stored: Vouched = { fresh: null, forwarded: 0 };
  // One of our devices that already switched to a new account key (a rotation notice): listed here under the old one.
  if (a.accountId !== ctx.keys.accountId && isOwnDevice(ctx, a)) return stored;
  if (a.accountId === ctx.keys.accountId) {
    const known = () => ctx.store.ownDevices.all().some((d) => d.deviceId === a.deviceId);
    if (known()) return stored;
    const own = ctx.link.client;
    if (!own) throw new ChatError('CHAT_OFFLINE', 'This account’s device list cannot be checked while offline.');
    let forwarded = 0;
    await refreshOwnList(ctx.store, ctx.keys, own, (added) => (forwarded += logForNewDevices(ctx, a.accountId, added)));
    if (known()) return { fresh: null, forwarded };
    throw new ChatError('CHAT_BAD_DEVICE_LIST', 'The sending device is not one of this account’s devices.');
  }
  if (ctx.contacts.devices(a.accountId).includes(a.deviceId)) return stored;
  const client = ctx.link.client;
  if (!client) throw new ChatError('CHAT_OFFLINE', 'The sender’s device list cannot be checked while offline.');
  const devices = (await client.getDeviceList(a.accountId)).devices;
  if (!devices.some((d) => d.deviceId === a.deviceId)) throw new ChatError('CHAT_BAD_DEVICE_LIST', 'The sending device is not in its account’s signed device list.');
  return { fresh: devices, forwarded: 0 };
}

/** Creates the contact and conversation for a first message from someone who added us. */
function ensureContact(ctx: ChatContext, accountId: string, name: string | null): void {
  if (name === null && ctx.contacts.has(accountId)) return; // every text: nothing to rename
  const existing = ctx.contacts.get(accountId);
  if (existing) {
    if (name && existing.name === unknownName(accountId)) {
      ctx.contacts.rename(accountId, name);
      ctx.store.messages.upsertConversation({ id: accountId, kind: 'direct', peerAccountId: accountId, title: name, expireTimerMs: ctx.store.messages.timerOf(accountId) });
    }
    return;
  }
  const title = name ?? unknownName(accountId);
  ctx.contacts.insert({ accountId, name: title, relayUrl: null }, ctx.now());
  ctx.store.messages.upsertConversation({ id: accountId, kind: 'direct', peerAccountId: accountId, title, expireTimerMs: null });
}

/** Applies a contact's content inside the receive transaction; returns the message it inserted, if any. */
function applyContent(ctx: ChatContext, from: ProtocolAddress, content: Content, receivedAt: number, changed: Set<string>): NewMessage | undefined {
  switch (content.type) {
    case 'profile':
      ensureContact(ctx, from.accountId, content.name);
      return undefined;
    case 'text':
    case 'edit':
    case 'delete':
    case 'reaction':
    case 'receipt':
    case 'timer':
      if (content.type === 'text') ensureContact(ctx, from.accountId, null);
      return applyConversationContent(ctx, { conversationId: from.accountId, author: from.accountId, fromDevice: from.deviceId, receivedAt }, content, changed);
    case 'accountKeyChange': {
      // Signed by the key we know: show the change and block sending until the user accepts it. A second, different
      // change (whoever else holds the old key: a revoked device) is a conflict: neither wins until the user verifies.
      const c = ctx.contacts.get(from.accountId);
      ctx.groups?.memberKeyChange(from.accountId, content.newAccountId, content.signature, c !== null); // shown in the groups we share too
      if (!c || !verifyKeyChange(from.accountId, content.newAccountId, content.signature)) return undefined;
      if (!c.pendingAccountId) ctx.contacts.setPendingAccount(from.accountId, content.newAccountId);
      else if (c.pendingAccountId !== content.newAccountId) ctx.contacts.setConflictAccount(from.accountId, content.newAccountId);
      return undefined;
    }
    default:
      // typing is shown, not stored; sync, contacts, settings, ownDevices: only this account's own devices may send these.
      return undefined;
  }
}

/** What one envelope came to, for the work after the commit. */
export type Outcome =
  | { readonly kind: 'done' }
  | { readonly kind: 'later' }
  | { readonly kind: 'retry'; readonly from: ProtocolAddress; readonly digest: Uint8Array }
  | { readonly kind: 'keyRequest'; readonly from: ProtocolAddress; readonly group: string; readonly chainId: number }
  | { readonly kind: 'placeholder'; readonly from: ProtocolAddress; readonly conversationId: string | null; readonly id: string; readonly reason: string }
  | {
      readonly kind: 'content';
      readonly from: ProtocolAddress;
      readonly content: Content;
      readonly message: NewMessage | undefined;
      /** Accounts whose device list to fetch after the commit: each noted as owed in the receive transaction (owedRefreshes.ts). */
      readonly refresh: readonly string[];
      readonly conversationId: string;
      readonly changed: ReadonlySet<string>;
      /** Forwards to the sender account's new devices logged in this commit (its fresh list was recorded here); sent after the batch. */
      readonly forwarded: number;
      /** Sent by one of this account's own devices. */
      readonly own: boolean;
      /** Group work after the commit (docs/protocol.md §8). */
      readonly after?: (() => Promise<void>) | undefined;
    };

/** Marks an envelope handled without any other change, and records why it was dropped. */
export function reject(ctx: ChatContext, m: IncomingMessage, reason: string, from?: ProtocolAddress): Outcome {
  ctx.store.delivery.commitReceive({ envelopeId: m.id });
  ctx.audit('envelope.rejected', { reason, ...(from ? { address: addressKey(from) } : {}) });
  return { kind: 'done' };
}

/**
 * Everything about an envelope after its sender device was vouched for,
 * synchronous and called inside the batch transaction while holding the
 * sender: decrypt (no writes), then apply and commit in one savepoint.
 */
export function receiveVouched(ctx: ChatContext, m: IncomingMessage, opened: Unsealed, from: ProtocolAddress, fresh: readonly NewDevice[] | null): Outcome {
  const { store } = ctx;
  let forwarded = 0;
  if (opened.kind === EnvelopeKind.senderKey) return receiveSenderKey(ctx, m, opened, from, fresh);
  if (opened.kind === EnvelopeKind.plaintext) {
    let content: Content | null = null;
    try {
      content = parseContent(opened.message);
    } catch {
      content = null; // not content at all: rejected (and audited) just below
    }
    if (opened.authenticated && content?.type === 'senderKeyRequest') {
      store.delivery.commitReceive({ envelopeId: m.id });
      return { kind: 'keyRequest', from, group: content.group, chainId: content.chainId };
    }
    if (!opened.authenticated || content?.type !== 'retry') return reject(ctx, m, 'BAD_PLAINTEXT', from);
    const digest = fromBase64Url(content.digest)!;
    store.delivery.commitReceive({ envelopeId: m.id });
    return { kind: 'retry', from, digest };
  }
  let out: ReturnType<ChatContext['sessions']['decrypt']>;
  try {
    out = ctx.sessions.decrypt(from, opened.senderDeviceKey, opened.message);
  } catch (e) {
    const reason = errorCode(e);
    // Without the static layer the sender is only a claim; a replay of a message we already read is not a loss.
    if (!opened.authenticated || !(e instanceof ProtocolError) || reason === 'PROTOCOL_DUPLICATE') return reject(ctx, m, reason, from);
    if (opened.hint === ContentHint.none) return reject(ctx, m, reason, from);
    return undecryptable(ctx, m, from, messageDigest(opened.message), reason, opened.hint === ContentHint.placeholder);
  }
  const commit = { envelopeId: m.id, session: { address: from, record: out.record }, newIdentity: out.newSessionIdentity, consumed: out.consumed };
  let content: Content;
  try {
    content = parseContent(out.plaintext);
  } catch (e) {
    // It decrypted, so the ratchet moves on; the content is of a shape this version does not know.
    store.delivery.commitReceive(commit);
    ctx.audit('envelope.rejected', { reason: errorCode(e), address: addressKey(from) });
    return { kind: 'done' };
  }
  if (out.newSessionIdentity || out.consumed?.kemPreKeyId != null) ctx.audit('session.established', { address: addressKey(from), role: 'responder' });
  const repaired = content.type === 'resend' ? placeholderId(fromBase64Url(content.repairs)!) : null;
  if (content.type === 'resend') content = content.content;
  const own = isOwnDevice(ctx, from);
  const changed = new Set<string>();
  let message: NewMessage | undefined;
  let refresh: string[] = content.type === 'devicesChanged' ? [from.accountId] : [];
  let conversationId = from.accountId;
  let after: (() => Promise<void>) | undefined;
  const stranger = !own && fresh !== null && !ctx.contacts.get(from.accountId); // their list was fetched: a device new to us
  inTransaction(store.db, () => {
    if (repaired && store.messages.delete(repaired)) changed.add(repaired);
    const g = ctx.groups?.receive(from, content, changed) ?? null;
    if (g) {
      ({ message, conversationId, content, after } = g);
      // A member who is not a contact sent from a device new to us: its fresh signed list is their group devices now.
      if (fresh && !ctx.contacts.get(from.accountId)) ctx.groups?.noteDevices(from.accountId, fresh.map((d) => d.deviceId));
    } else if (own) {
      const applied = applyOwnContent(ctx, from.deviceId, content, ctx.now(), changed);
      message = applied.message;
      refresh = applied.refresh;
      conversationId = applied.conversationId ?? conversationId;
    } else {
      message = applyContent(ctx, from, content, ctx.now(), changed);
      // A contact request or first text: they may not know a desktop we linked while it was on its way (linkedDevices.ts).
      if (stranger && ctx.contacts.get(from.accountId)) after = tellNewContact(ctx, from, content.sentAt);
    }
    // Before commitReceive saves the sender's identity (which would make it look known): see lateDevices.ts.
    if (!own && fresh && ctx.contacts.get(from.accountId)) forwarded = recordContactList(ctx, from.accountId, fresh);
    refresh = noteRefreshes(ctx, from, content, own, refresh); // owed until recorded: a crash before the refresh keeps the note (owedRefreshes.ts)
    store.delivery.commitReceive(commit);
    if (!own && message && content.type === 'text') store.repairs.oweReceipt(message.id, conversationId);
    keepAttachment(ctx, content, message);
  });
  if (repaired) ctx.audit('session.repaired', { address: addressKey(from), role: 'receiver' });
  return { kind: 'content', from, content, message, refresh, conversationId, changed, forwarded, own, after };
}

/** Records the attachment a received text offers (fetched after the commit). */
function keepAttachment(ctx: ChatContext, content: Content, message: NewMessage | undefined): void {
  const text = content.type === 'text' ? content : content.type === 'sync' && content.content.type === 'text' ? content.content : null;
  const a = text?.attachment ?? null;
  const key = a ? fromBase64Url(a.key) : null;
  const digest = a ? fromBase64Url(a.digest) : null;
  if (message && a && key?.length === 32 && digest) {
    ctx.store.attachments.put({ id: `${message.id}-0`, messageId: message.id, contentType: a.mime, size: a.size, fileName: a.name, localPath: null, key, digest });
  }
}

/**
 * A kind-4 envelope (docs/protocol.md §8.5): one `groupMessage` content
 * uploaded once to every member device. The group layer checks membership
 * (a non-member is audited), decrypts with the sender's chain or leaves the
 * placeholder and key request; all of it commits with the envelope id.
 */
function receiveSenderKey(ctx: ChatContext, m: IncomingMessage, opened: Unsealed, from: ProtocolAddress, fresh: readonly NewDevice[] | null): Outcome {
  let content: Content | null;
  try {
    content = parseContent(opened.message);
  } catch {
    content = null; // not content at all: refused (and audited) just below
  }
  if (!opened.authenticated || content?.type !== 'groupMessage' || !ctx.groups) return reject(ctx, m, 'BAD_SENDER_KEY_ENVELOPE', from);
  const changed = new Set<string>();
  const message = content;
  const own = isOwnDevice(ctx, from);
  const [g, refresh] = inTransaction(ctx.store.db, () => {
    const r = ctx.groups!.receive(from, message, changed)!;
    if (fresh && !ctx.contacts.get(from.accountId)) ctx.groups!.noteDevices(from.accountId, fresh.map((d) => d.deviceId));
    const owed = noteRefreshes(ctx, from, r.content, own, []);
    ctx.store.delivery.commitReceive({ envelopeId: m.id });
    keepAttachment(ctx, r.content, r.message);
    return [r, owed] as const;
  });
  return { kind: 'content', from, content: g.content, message: g.message, refresh, conversationId: g.conversationId, changed, forwarded: 0, own, after: g.after };
}

/**
 * A listed device sent something that does not decrypt: one transaction
 * marks it processed, leaves a placeholder row (for a contact's device) and
 * queues a retry request sealed to that device.
 */
function undecryptable(ctx: ChatContext, m: IncomingMessage, from: ProtocolAddress, digest: Uint8Array, reason: string, visible: boolean): Outcome {
  // Only a contact's text gets a row: our own devices' content has no conversation to show it in, and other content is asked for silently.
  const hidden = from.accountId === ctx.keys.accountId || !visible;
  const id = placeholderId(digest);
  const now = ctx.now();
  const request = ctx.sessions.sealPlain(from, encodeRetry(digest, now));
  inTransaction(ctx.store.db, () => {
    ctx.store.delivery.commitReceive({ envelopeId: m.id });
    if (!hidden) {
      ensureContact(ctx, from.accountId, null);
      ctx.store.messages.insert({ id, conversationId: from.accountId, sender: from.accountId, direction: 'in', body: '', sentAt: now, receivedAt: now, state: 'delivered', kind: 'undecryptable' });
    }
    ctx.store.delivery.commitSend({ outbox: [{ recipient: addressKey(from), payload: request }] });
  });
  ctx.audit('decrypt.failed', { address: addressKey(from), reason });
  return { kind: 'placeholder', from, conversationId: hidden ? null : from.accountId, id, reason };
}

function encodeRetry(digest: Uint8Array, now: number): Uint8Array {
  return encodeContent({ v: 1, type: 'retry', sentAt: now, digest: toBase64Url(digest) });
}

/** Side effects after the batch's commit and ack, collected in `fx` where one per batch is enough: events, receipts, repairs, device-list refreshes. */
export async function afterCommit(ctx: ChatContext, o: Outcome, fx: BatchEffects): Promise<void> {
  const client = ctx.link.client;
  if (o.kind === 'retry') {
    await resendTo(ctx, o.from, o.digest, MAX_RESENDS_PER_ENTRY);
    fx.flush = true;
    return;
  }
  if (o.kind === 'keyRequest') {
    await ctx.groups?.redistribute(o.from, o.group, o.chainId);
    fx.flush = true;
    return;
  }
  if (o.kind === 'placeholder') {
    if (o.conversationId) {
      fx.changed(o.conversationId, [o.id]);
      fx.conversations = true;
    }
    ctx.events.undecryptable({ conversationId: o.conversationId, from: fx.nameOf(ctx, o.from.accountId), id: o.id, reason: o.reason, receivedAt: ctx.now() });
    fx.flush = true;
    return;
  }
  if (o.kind !== 'content') return;
  const { from, content, message, refresh, conversationId, changed, forwarded, own } = o;
  const sender = addressKey(from);
  fx.forwarded += forwarded;
  if (o.after) {
    await o.after();
    fx.flush = true;
  }
  if (!fx.nudged.has(sender)) {
    fx.nudged.add(sender);
    await nudgeUnsent(ctx, from);
  }
  if (content.type === 'typing') ctx.events.typing(conversationId, content.typing, from.accountId);
  if (content.type === 'profile' || content.type === 'contacts') fx.contacts = true;
  if (changed.size > 0) fx.changed(conversationId, changed);
  if (content.type !== 'typing') fx.conversations = true;
  if (content.type === 'ownDevices' || (own && content.type === 'devicesChanged')) fx.devices = true;
  const text = content.type === 'text' ? content : content.type === 'sync' && content.content.type === 'text' ? content.content : null;
  if (message && text?.attachment) ctx.bus.emit('attachmentOffered', conversationId, message.id, `${message.id}-0`, text.attachment);
  // Awaited, so drain() covers it: a late device gets its forwarded content before the receive loop is idle.
  const heads = !own && (content.type === 'text' || content.type === 'receipt') ? content.heads : undefined; // split-view check (§6.7)
  const behind = heads && fx.headsBehind(ctx, from.accountId, heads);
  // Each was noted in the receive transaction (and stays owed until recorded; offline, the next connection runs it).
  // A refresh that brings an older list than the heads claimed flags it as withheld (owedRefreshes.ts refreshNoted) and stays owed.
  if ((refresh.length > 0 || behind) && client && (await refreshAll(ctx, client, refresh, behind ? from.accountId : null))) fx.listsRefreshed();
  if (own && content.type === 'accountRotated') {
    const secret = fromBase64Url(content.accountSecretKey);
    if (secret?.length === 64 && verifyKeyChange(ctx.keys.accountId, toBase64Url(secret.subarray(32)), content.signature)) {
      ctx.bus.emit('accountRotated', secret, content.backup);
    }
  }
  if (message && content.type === 'text' && !own) {
    ctx.events.typing(conversationId, false, from.accountId);
    fx.texts.push({ conversationId, from: fx.nameOf(ctx, from.accountId), id: message.id, text: message.body, sentAt: message.sentAt });
    // The delivery receipt was owed in the receive transaction; it is queued once per batch, after the senders are released.
    fx.receipts = true;
    fx.flush = true;
  }
}
