/**
 * Content from this account's other devices, applied inside the receive
 * transaction: sync transcripts of what we did in a conversation (sent
 * messages, edits, deletes, reactions, read state, timers), contact and
 * settings changes, and device names. The caller commits, acks, then runs
 * the returned follow-ups (device-list refreshes need the relay).
 */
import type { Content } from '../../shared/wire/content';
import { applyConversationContent } from './effects';
import type { NewMessage } from '../store';
import type { ChatContext } from './context';
import { nameDevice, noteSeen } from '../account/deviceList';
import { SETTING } from '../account/settingKeys';
import { unknownName } from '../store/contacts';

/** What applying own-device content did, for the follow-ups after the commit. */
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
  else if (name && existing.name !== name) ctx.contacts.rename(accountId, name);
  const timer = ctx.store.messages.timerOf(accountId);
  ctx.store.messages.upsertConversation({ id: accountId, kind: 'direct', peerAccountId: accountId, title: name ?? existing?.name ?? unknownName(accountId), expireTimerMs: timer ?? null });
}

/** Applies content that one of our own devices (`deviceId`) sent. Unknown kinds from own devices are ignored. */
export function applyOwnContent(ctx: ChatContext, deviceId: string, content: Content, receivedAt: number, changed: Set<string>): OwnApplied {
  noteSeen(ctx.store, deviceId, receivedAt);
  switch (content.type) {
    case 'sync':
      if (content.content.type === 'text') ensureConversation(ctx, content.conversation, null);
      return {
        message: applyConversationContent(ctx, { conversationId: content.conversation, author: ctx.keys.accountId, fromDevice: deviceId, receivedAt }, content.content, changed),
        conversationId: content.conversation,
        refresh: [],
      };
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
