/**
 * Content from this account's other devices, applied inside the receive
 * transaction: sync transcripts of what we did in a conversation (sent
 * messages, edits, deletes, reactions, read state, timers), contact and
 * settings changes, and device names. The caller commits, acks, then runs
 * the returned follow-ups (device-list refreshes need the relay).
 */
import type { Content, SyncedContent } from '../../shared/wire/content';
import type { NewMessage } from '../store';
import type { ChatContext } from './context';
import { nameDevice, noteSeen } from './ownDevices';
import { SETTING } from './settingKeys';
import { unknownName } from './contactsRepo';

export interface OwnApplied {
  /** The message to insert (a sync transcript of a sent text). */
  readonly message?: NewMessage;
  /** Conversation the change belongs to, for change events. */
  readonly conversationId?: string;
  /** Accounts whose signed device lists to fetch again after the commit. */
  readonly refresh: string[];
}

/** Makes sure a conversation (and its contact) exists before a transcript lands in it. */
export function ensureConversation(ctx: ChatContext, accountId: string, name: string | null, relayUrl: string | null = null): void {
  const existing = ctx.contacts.get(accountId);
  if (!existing) ctx.contacts.insert({ accountId, name: name ?? unknownName(accountId), relayUrl }, ctx.now());
  else if (name && existing.name !== name) ctx.store.db.prepare('UPDATE contacts SET display_name = ? WHERE account_id = ?').run(name, accountId);
  const timer = ctx.store.db.prepare('SELECT expire_timer_ms FROM conversations WHERE id = ?').pluck().get(accountId) as number | null | undefined;
  ctx.store.messages.upsertConversation({ id: accountId, kind: 'direct', peerAccountId: accountId, title: name ?? existing?.name ?? unknownName(accountId), expireTimerMs: timer ?? null });
}

function applyTranscript(ctx: ChatContext, conversationId: string, c: SyncedContent, receivedAt: number, changed: Set<string>): NewMessage | undefined {
  const db = ctx.store.db;
  const me = ctx.keys.accountId;
  const target = (id: string) => {
    const m = ctx.store.messages.get(id);
    return m && m.conversationId === conversationId ? m : null;
  };
  switch (c.type) {
    case 'text':
      ensureConversation(ctx, conversationId, null);
      changed.add(c.id);
      return {
        id: c.id,
        conversationId,
        sender: me,
        direction: 'out',
        body: c.text,
        sentAt: c.sentAt,
        receivedAt,
        state: 'sent',
        replyTo: c.replyTo,
        expiresAt: c.expireSeconds ? c.sentAt + c.expireSeconds * 1000 : null,
      };
    case 'edit': {
      const m = target(c.target);
      if (m && m.sender === me) {
        ctx.store.messages.edit(m.id, c.text, c.sentAt);
        changed.add(m.id);
      }
      return undefined;
    }
    case 'delete': {
      const m = target(c.target);
      if (m && m.sender === me) {
        db.prepare(`UPDATE messages SET body = '', deleted_at = ? WHERE id = ?`).run(c.sentAt, m.id);
        changed.add(m.id);
      }
      return undefined;
    }
    case 'reaction': {
      const m = target(c.target);
      if (!m) return undefined;
      if (c.emoji === null) ctx.store.reactions.remove(m.id, me);
      else ctx.store.reactions.set({ messageId: m.id, sender: me, emoji: c.emoji, reactedAt: c.sentAt });
      changed.add(m.id);
      return undefined;
    }
    case 'receipt': {
      // We read these on another device: they are read here too.
      const read = db.prepare(`UPDATE messages SET unread = 0 WHERE id = ? AND conversation_id = ? AND direction = 'in'`);
      for (const id of c.targets) if (read.run(id, conversationId).changes > 0) changed.add(id);
      return undefined;
    }
    case 'timer':
      db.prepare('UPDATE conversations SET expire_timer_ms = ? WHERE id = ?').run(c.expireSeconds === null ? null : c.expireSeconds * 1000, conversationId);
      return undefined;
  }
}

/** Applies content that one of our own devices (`deviceId`) sent. Unknown kinds from own devices are ignored. */
export function applyOwnContent(ctx: ChatContext, deviceId: string, content: Content, receivedAt: number, changed: Set<string>): OwnApplied {
  noteSeen(ctx.store, deviceId, receivedAt);
  switch (content.type) {
    case 'sync':
      return { message: applyTranscript(ctx, content.conversation, content.content, receivedAt, changed), conversationId: content.conversation, refresh: [] };
    case 'contacts': {
      const refresh: string[] = [];
      for (const c of content.contacts) {
        if (c.accountId === ctx.keys.accountId) continue;
        if (!ctx.contacts.get(c.accountId)) refresh.push(c.accountId);
        ensureConversation(ctx, c.accountId, c.name, c.relayUrl);
        ctx.contacts.setTrust(c.accountId, c.trust);
      }
      return { refresh };
    }
    case 'settings': {
      const d = ctx.store.directory;
      d.setSetting(SETTING.readReceipts, content.readReceipts ? '1' : '0');
      d.setSetting(SETTING.typingIndicators, content.typingIndicators ? '1' : '0');
      d.setSetting(SETTING.notificationPreviews, content.notificationPreviews ? '1' : '0');
      return { refresh: [] };
    }
    case 'ownDevices':
      for (const d of content.devices) nameDevice(ctx.store, d.deviceId, d.name);
      return { refresh: [] };
    case 'devicesChanged':
      return { refresh: [ctx.keys.accountId] };
    default:
      return { refresh: [] };
  }
}
