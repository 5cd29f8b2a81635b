/** A store with a bit of everything a snapshot carries, and canary strings to look for in ciphertext. */
import { randomBytes } from 'node:crypto';
import type { LocalStore } from '../../../src/main/store';
import type { NewMessage } from '../../../src/main/store/messages';
import { toBase64Url } from '../../../src/shared/wire/encoding';

export const keyId = (): string => toBase64Url(new Uint8Array(randomBytes(32)));
export const msgId = (): string => toBase64Url(new Uint8Array(randomBytes(16)));

export const CANARY = {
  ownName: 'Ottilie Canaryfeather',
  contactName: 'Bartholomew Quokkasmith',
  otherName: 'Zoë Marmosetti',
  text: 'the-pelican-sings-at-midnight',
  edited: 'edited-narwhal-paragraph',
  deleted: 'deleted-axolotl-secret',
} as const;

export interface Seeded {
  readonly accountId: string;
  readonly bob: string;
  readonly zoe: string;
  readonly ids: { readonly hello: string; readonly edited: string; readonly deletedForAll: string; readonly localDeleted: string; readonly expired: string; readonly reply: string };
}

export function seedStore(store: LocalStore, now = Date.now(), accountId = keyId()): Seeded {
  const bob = keyId();
  const zoe = keyId();
  const pending = keyId();
  store.directory.setAccount(accountId, CANARY.ownName, new Uint8Array([1, 2, 3]));
  const db = store.db;
  db.prepare(`INSERT INTO contacts (account_id, display_name, created_at, trust, relay_url) VALUES (?, ?, ?, 'verified', 'ws://relay.example:8787')`).run(bob, CANARY.contactName, now - 5000);
  db.prepare(`INSERT INTO contacts (account_id, display_name, created_at, trust, pending_account_id) VALUES (?, ?, ?, 'changed', ?)`).run(zoe, CANARY.otherName, now - 4000, pending);
  for (const d of [keyId(), keyId()]) store.protocol.saveIdentitySync({ accountId: bob, deviceId: d }, Buffer.from(d, 'base64url'));
  store.protocol.saveIdentitySync({ accountId: zoe, deviceId: zoe }, Buffer.from(zoe, 'base64url'));
  store.messages.upsertConversation({ id: bob, kind: 'direct', peerAccountId: bob, title: CANARY.contactName, expireTimerMs: null }, now - 5000);
  store.messages.upsertConversation({ id: zoe, kind: 'direct', peerAccountId: zoe, title: CANARY.otherName, expireTimerMs: 3_600_000 }, now - 4000);
  db.prepare('UPDATE conversations SET archived = 1 WHERE id = ?').run(zoe);
  store.directory.setSetting('privacy.readReceipts', '0');
  store.directory.setSetting('relay.url', 'ws://relay.example:8787');
  store.directory.setSetting('relay.registered', '1');
  store.directory.setSetting('relay.prekeysUploaded', '1');

  const ids = { hello: msgId(), edited: msgId(), deletedForAll: msgId(), localDeleted: msgId(), expired: msgId(), reply: msgId() };
  const m = (id: string, conversationId: string, body: string, sentAt: number, extra: Partial<NewMessage> = {}): NewMessage => ({
    id, conversationId, sender: conversationId, direction: 'in', body, sentAt, receivedAt: sentAt + 5, state: 'delivered', ...extra,
  });
  store.messages.insertMany([
    m(ids.hello, bob, `hello ${CANARY.text}`, now - 3000),
    m(ids.edited, bob, 'first draft', now - 2900, { sender: accountId, direction: 'out', state: 'read' }),
    m(ids.deletedForAll, bob, CANARY.deleted, now - 2800),
    m(ids.localDeleted, bob, 'gone locally', now - 2700),
    m(ids.expired, zoe, 'already expired', now - 2600, { expiresAt: now - 1 }),
    m(ids.reply, zoe, 'a reply that disappears later', now - 2500, { replyTo: ids.hello, expiresAt: now + 3_600_000 }),
  ]);
  store.messages.edit(ids.edited, CANARY.edited, now - 2000);
  db.prepare(`UPDATE messages SET body = '', deleted_at = ? WHERE id = ?`).run(now - 1900, ids.deletedForAll);
  store.messages.delete(ids.localDeleted);
  store.reactions.set({ messageId: ids.hello, sender: accountId, emoji: '👍', reactedAt: now - 1800 });
  store.reactions.set({ messageId: ids.hello, sender: bob, emoji: '🎉', reactedAt: now - 1700 });
  store.messages.markRead(bob, { at: now - 2900, id: ids.edited });
  return { accountId, bob, zoe, ids };
}

/** Every message row with its reactions, for comparing two stores. */
export function allMessages(store: LocalStore): unknown[] {
  return store.db.prepare(`SELECT m.id, conversation_id, sender, direction, body, sent_at, received_at, state, unread, reply_to, edited_at, deleted_at, expires_at,
      (SELECT json_group_array(json_array(r.sender, r.emoji, r.reacted_at)) FROM (SELECT * FROM reactions r WHERE r.message_id = m.id ORDER BY sender) r) AS reactions
    FROM messages m ORDER BY sent_at, id`).all();
}
