/**
 * The one handler table: one entry per call in the contract. The compiler
 * checks that every call has a handler and that each returns its declared
 * response type. Handlers are thin: they map to the core and to views.
 */
import type { Core } from '../app/core';
import { readAppInfo } from '../app/appInfo';
import { qrSvg, qrSvgBytes } from '../app/qr';
import { contactView, conversationViews, messageView, searchViews } from '../app/views';
import { fromBase64Url } from '../../shared/wire/encoding';
import { IpcError } from '../../shared/errors';
import { ChatError } from '../account/errors';
import { AttachmentError } from '../attachments/errors';
import { sessionHealth } from '../contacts/health';
import type { HandlerTable } from './dispatch';
import { CONVERSATION_LIST_LIMIT } from '../../shared/constants';
import type { Confirmer } from '../security/confirm';
import { ConfirmGate } from '../app/confirmGate';
import { KeyOperations } from '../app/keyOperations';
import { groupOf } from '../app/groupViews';
import { createGroupHandlers } from './groupHandlers';

function decodeChunk(b64: string): Uint8Array {
  const std = b64.replace(/\+/gu, '-').replace(/\//gu, '_').replace(/=+$/u, '');
  const bytes = fromBase64Url(std);
  if (!bytes) throw new IpcError('IPC_BAD_REQUEST', 'The file chunk is not valid base64.');
  return bytes;
}

/**
 * The handler table over one core. `confirmer` asks the user, outside the
 * renderer, before the guarded key operations (phrase, link, revoke) run.
 */
export function createHandlers(core: Core, confirmer: Confirmer): HandlerTable {
  const s = core.session;
  const m = () => s.require();
  const gate = new ConfirmGate(confirmer, core.options.dataDir, (kind, detail) => s.messenger?.store.audit.record(kind, detail));
  const guarded = new KeyOperations(s, gate, core.options.exportsDir);
  return {
    getAppInfo: () => readAppInfo(core.options.identity),
    getConnectionState: () => core.connection.current,

    getSession: () => s.status(),
    createAccount: (r) => s.create(r),
    getPendingRecoveryPhrase: () => guarded.showPendingPhrase(),
    confirmRecoveryPhrase: (r) => (s.confirmPhrase(r.answers), {}),
    unlock: async (r) => (await s.unlock(r.passphrase), {}),
    lock: async () => (await s.lock(), {}),

    getInvite: async () => {
      const code = m().account.invite();
      return { code, qrSvg: await qrSvg(code) };
    },
    addContact: async (r) => contactView(await m().contacts.add(r.code, r.name)),
    listContacts: () => m().contacts.list().map(contactView),
    getSafetyNumber: async (r) => {
      const messenger = m();
      const n = messenger.contacts.safetyNumber(r.contactId, r.choice);
      return { groups: [...n.groups], qrSvg: await qrSvgBytes(n.qrPayload), verified: messenger.contacts.get(r.contactId).trust === 'verified' };
    },
    setContactVerified: (r) => contactView(m().contacts.setVerified(r.contactId, r.verified)),
    acceptIdentityChange: (r) => contactView(m().contacts.acceptIdentityChange(r.contactId, r.choice)),

    listConversations: (r) => ({ items: conversationViews(m(), r.limit), next: null }),
    listMessages: (r) => {
      const messenger = m();
      const group = groupOf(messenger, r.conversationId);
      const rows = group ? messenger.groups.history(group.id, r.limit, r.before) : messenger.conversations.history(r.conversationId, r.limit, r.before);
      const first = rows[0];
      return { items: rows.map((row) => messageView(messenger, row, group)), next: rows.length === r.limit && first ? { at: first.sentAt, id: first.id } : null };
    },
    getMessageContext: (r) => {
      const messenger = m();
      const { conversationId, items } = messenger.conversations.messageContext(r.messageId, r.limit);
      const first = items[0];
      return { conversationId, items: items.map((row) => messageView(messenger, row)), next: first ? { at: first.sentAt, id: first.id } : null };
    },
    sendMessage: async (r) => {
      const messenger = m();
      const opts = { replyTo: r.replyToId };
      return messageView(messenger, await (messenger.groups.hooks.isGroup(r.conversationId) ? messenger.groups.sendText(r.conversationId, r.text, opts) : messenger.conversations.sendText(r.conversationId, r.text, opts)));
    },
    editMessage: async (r) => messageView(m(), await m().conversations.editMessage(r.messageId, r.text)),
    deleteMessage: async (r) => (await m().conversations.deleteMessage(r.messageId, r.forEveryone), {}),
    retryMessage: async (r) => messageView(m(), await m().conversations.retryMessage(r.messageId)),
    reactToMessage: async (r) => messageView(m(), await m().conversations.react(r.messageId, r.emoji)),
    markConversationRead: async (r) => (await m().conversations.markRead(r.conversationId), {}),
    setTyping: async (r) => (await m().conversations.setTyping(r.conversationId, r.typing), {}),
    setDisappearingTimer: async (r) => {
      const messenger = m();
      // A group's timer is part of its signed state (admins only).
      if (messenger.groups.hooks.isGroup(r.conversationId)) await messenger.groups.setTimer(r.conversationId, r.seconds);
      else await messenger.conversations.setDisappearingTimer(r.conversationId, r.seconds);
      const view = conversationViews(messenger, CONVERSATION_LIST_LIMIT).find((c) => c.id === r.conversationId);
      if (!view) throw new ChatError('CHAT_UNKNOWN_CONTACT', 'There is no such conversation.');
      return view;
    },
    searchMessages: (r) => searchViews(m(), m().conversations.search(r.query, r.limit)),

    beginAttachment: (r) => ({ uploadId: m().attachments.begin(r.conversationId, r.name, r.mime, r.size) }),
    appendAttachment: async (r) => ({ received: await m().attachments.append(r.uploadId, decodeChunk(r.chunk)) }),
    finishAttachment: async (r) => messageView(m(), await m().attachments.finish(r.uploadId)),
    cancelAttachment: (r) => (m().attachments.cancel(r.id), {}),
    readAttachment: async (r) => {
      const messenger = m();
      const { chunk, done, messageId } = await messenger.attachments.read(r.attachmentId, r.offset);
      const row = messenger.store.messages.get(messageId);
      const attachment = row ? messageView(messenger, row).attachment : null;
      if (!attachment) throw new AttachmentError('ATTACHMENT_UNKNOWN', 'That attachment no longer exists.');
      return { chunk: Buffer.from(chunk).toString('base64'), done, attachment };
    },

    getSettings: () => m().account.settings(),
    updateSettings: (r) => m().account.updateSettings(r),

    startLink: async (r) => {
      const { link, expiresAt } = await s.startLink(r);
      return { link, expiresAt, qrSvg: await qrSvg(link) };
    },
    cancelLink: () => (s.cancelLink(), {}),
    answerLink: (r) => (s.answerLink(r.matches), {}),
    rotateRecoveryPhrase: () => guarded.rotatePhrase(),
    restoreAccount: (r) => s.restore(r),
    listDevices: () => m().devices.list().map((d) => ({ id: d.deviceId, name: d.name, linkedAt: d.linkedAt, lastSeenAt: d.isThisDevice ? null : d.lastSeenAt, isThisDevice: d.isThisDevice })),
    inspectLink: (r) => {
      const { deviceName, accountName, shortCode } = m().devices.inspectLink(r.link);
      return { deviceName, accountName, shortCode };
    },
    acceptLink: (r) =>
      guarded.acceptLink(r.link, r.historyDays, (p) => core.events.emit('transferProgress', { kind: 'provision', stage: p.stage, done: p.done, total: p.total, error: null })),
    revokeDevice: async (r) => (await guarded.revokeDevice(r.deviceId), {}),
    secureAccount: () => guarded.secureAccount(),
    exportConversations: async (r) => {
      const progress = (stage: 'sending' | 'done', p: { done: number; total: number }) => core.events.emit('transferProgress', { kind: 'export', stage, done: p.done, total: p.total, error: null });
      const { out, conversations, messages, attachments } = await guarded.exportAll(r.format, (p) => progress('sending', p));
      progress('done', { done: messages, total: messages });
      return { out, conversations, messages, attachments };
    },
    getBackupStatus: () => m().backup.status(),
    backupNow: () => m().backup.now(),
    auditLog: (r) => {
      const items = m().store.audit.list(r.limit, r.before);
      return { items, next: items.length === r.limit ? items.at(-1)!.id : null };
    },
    sessionHealth: (r) => sessionHealth(m().store, m().contacts.get(r.contactId).accountId),
    ...createGroupHandlers(core),
  };
}
