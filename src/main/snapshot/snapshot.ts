/**
 * Snapshot export and import over a LocalStore: the account-level state
 * (display name, contacts with trust and devices, conversations, syncable
 * settings) and the message history with reactions. Used by backups
 * (src/main/backup) and device linking.
 *
 *  - Exports are plain JSON-able values in a deterministic order.
 *  - Every import validates its whole input first (schemas.ts, typed
 *    SnapshotError) and then writes in one transaction; nested in a caller's
 *    transaction it becomes a savepoint, so a caller can import state,
 *    tombstones and messages atomically.
 *  - Imports are idempotent: a row already holding the imported values is
 *    not written at all (no trigger fires), a message id already present is
 *    updated in place. FTS rows follow through the store's triggers.
 *  - Expired disappearing messages are neither exported nor imported.
 *  - Attachment bytes and metadata are not part of a snapshot.
 */
import { SNAPSHOT_CHUNK_MESSAGES } from '../../shared/constants';
import { publicKeyFromId } from '../../shared/wire/deviceList';
import { prep } from '../store/database';
import type { LocalStore } from '../store';
import {
  AccountStateSchema, MessageRecordSchema, SnapshotError, parseOrThrow, type AccountState, type ContactState,
  type ConversationState, type MessageRecord, type ReactionRecord,
} from './schemas';
import { z } from 'zod';

export * from './schemas';

// ── rows ──

export interface MessageRow {
  id: string; conversation_id: string; sender: string; direction: 'in' | 'out'; body: string; sent_at: number; received_at: number;
  state: MessageRecord['state']; unread: number; reply_to: string | null; edited_at: number | null; deleted_at: number | null; expires_at: number | null;
}
export const MESSAGE_COLS = 'id, conversation_id, sender, direction, body, sent_at, received_at, state, unread, reply_to, edited_at, deleted_at, expires_at';

/** The record of one message row, with its reactions (ordered by sender). */
export function toMessageRecord(store: LocalStore, r: MessageRow): MessageRecord {
  const reactions = (prep(store.db, 'SELECT sender, emoji, reacted_at AS reactedAt FROM reactions WHERE message_id = ? ORDER BY sender').all(r.id) as ReactionRecord[]);
  return {
    id: r.id, conversationId: r.conversation_id, sender: r.sender, direction: r.direction, body: r.body, sentAt: r.sent_at,
    receivedAt: r.received_at, state: r.state, unread: r.unread === 1, replyTo: r.reply_to, editedAt: r.edited_at,
    deletedAt: r.deleted_at, expiresAt: r.expires_at, reactions,
  };
}

/** True if a disappearing message's deadline has passed (it is about to be, or already was, deleted). */
export const isExpired = (expiresAt: number | null, now: number): boolean => expiresAt !== null && expiresAt <= now;

// ── export ──

/** The account-level state, in a deterministic order (contacts and conversations by id, settings by key, devices sorted). */
export function exportState(store: LocalStore): AccountState {
  const db = store.db;
  const account = prep(db, 'SELECT account_id, display_name FROM account WHERE id = 1').get() as { account_id: string; display_name: string } | undefined;
  const contacts = (prep(db, 'SELECT account_id, display_name, trust, relay_url, pending_account_id, created_at FROM contacts ORDER BY account_id').all() as
    { account_id: string; display_name: string; trust: ContactState['trust']; relay_url: string | null; pending_account_id: string | null; created_at: number }[])
    .map((c): ContactState => ({
      accountId: c.account_id, name: c.display_name, trust: c.trust, relayUrl: c.relay_url, pendingAccountId: c.pending_account_id, addedAt: c.created_at,
      devices: prep(db, 'SELECT device_id FROM contact_devices WHERE account_id = ? ORDER BY device_id').pluck().all(c.account_id) as string[],
    }));
  const conversations = (prep(db, 'SELECT id, kind, peer_account_id, title, expire_timer_ms, archived, created_at FROM conversations ORDER BY id').all() as
    { id: string; kind: 'direct' | 'group'; peer_account_id: string | null; title: string; expire_timer_ms: number | null; archived: number; created_at: number }[])
    .map((c): ConversationState => ({
      id: c.id, kind: c.kind, peerAccountId: c.peer_account_id, title: c.title, expireTimerMs: c.expire_timer_ms, archived: c.archived === 1, createdAt: c.created_at,
    }));
  const settings = (prep(db, `SELECT key, value FROM settings WHERE key GLOB 'privacy.*' OR key = 'relay.url' ORDER BY key`).all() as { key: string; value: string }[]);
  return { v: 1, accountId: account?.account_id ?? null, displayName: account?.display_name ?? null, contacts, conversations, settings };
}

export interface ExportMessagesOptions {
  /** Only messages sent at or after this time (ms since the epoch). */
  readonly sinceMs?: number | undefined;
  /** Records per chunk (default SNAPSHOT_CHUNK_MESSAGES). */
  readonly chunkSize?: number | undefined;
  /** The clock that decides what has expired (default Date.now()). */
  readonly now?: number | undefined;
}

/**
 * The history in (sentAt, id) order, as chunks of at most `chunkSize`
 * records; already-expired messages are skipped. Each chunk is one short
 * keyset query, so the store stays usable between chunks (an exporter may
 * await uploads between them); rows written meanwhile may or may not appear.
 */
export function* exportMessages(store: LocalStore, opts: ExportMessagesOptions = {}): Generator<MessageRecord[]> {
  const limit = opts.chunkSize ?? SNAPSHOT_CHUNK_MESSAGES;
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError('chunkSize must be a positive integer');
  const since = opts.sinceMs ?? 0;
  let after: { at: number; id: string } | null = null;
  for (;;) {
    const now = opts.now ?? Date.now();
    const rows = (after
      ? prep(store.db, `SELECT ${MESSAGE_COLS} FROM messages WHERE (sent_at, id) > (?, ?) AND sent_at >= ? AND (expires_at IS NULL OR expires_at > ?)
          ORDER BY sent_at, id LIMIT ?`).all(after.at, after.id, since, now, limit)
      : prep(store.db, `SELECT ${MESSAGE_COLS} FROM messages WHERE sent_at >= ? AND (expires_at IS NULL OR expires_at > ?)
          ORDER BY sent_at, id LIMIT ?`).all(since, now, limit)) as MessageRow[];
    if (rows.length === 0) return;
    const last = rows[rows.length - 1]!;
    after = { at: last.sent_at, id: last.id };
    yield rows.map((r) => toMessageRecord(store, r));
    if (rows.length < limit) return;
  }
}

// ── import ──

/**
 * Merges an AccountState into the store in one transaction: contacts,
 * conversations and settings it names are inserted or updated (others are
 * kept); a contact's device set is replaced by the imported one. The display
 * name is applied only if the store already has its account row (creating
 * the account needs key material a snapshot never carries).
 */
export function importState(store: LocalStore, input: unknown): void {
  const state = parseOrThrow(AccountStateSchema, input, 'account state');
  const db = store.db;
  db.transaction(() => {
    const own = prep(db, 'SELECT account_id FROM account WHERE id = 1').pluck().get() as string | undefined;
    if (own !== undefined && state.accountId !== null && own !== state.accountId) {
      throw new SnapshotError('SNAPSHOT_ACCOUNT_MISMATCH', 'The snapshot belongs to another account.');
    }
    if (own !== undefined && state.displayName !== null) {
      prep(db, 'UPDATE account SET display_name = ? WHERE id = 1 AND display_name IS NOT ?').run(state.displayName, state.displayName);
    }
    for (const c of state.contacts) {
      prep(db, `INSERT INTO contacts (account_id, display_name, created_at, trust, pending_account_id, relay_url) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT(account_id) DO UPDATE SET display_name = excluded.display_name, trust = excluded.trust,
          pending_account_id = excluded.pending_account_id, relay_url = excluded.relay_url
        WHERE display_name IS NOT excluded.display_name OR trust IS NOT excluded.trust
          OR pending_account_id IS NOT excluded.pending_account_id OR relay_url IS NOT excluded.relay_url`)
        .run(c.accountId, c.name, c.addedAt, c.trust, c.pendingAccountId, c.relayUrl);
      setDevices(store, c.accountId, c.devices);
    }
    for (const c of state.conversations) {
      prep(db, `INSERT INTO conversations (id, kind, peer_account_id, title, expire_timer_ms, archived, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, peer_account_id = excluded.peer_account_id, title = excluded.title,
          expire_timer_ms = excluded.expire_timer_ms, archived = excluded.archived
        WHERE kind IS NOT excluded.kind OR peer_account_id IS NOT excluded.peer_account_id OR title IS NOT excluded.title
          OR expire_timer_ms IS NOT excluded.expire_timer_ms OR archived IS NOT excluded.archived`)
        .run(c.id, c.kind, c.peerAccountId, c.title, c.expireTimerMs, c.archived ? 1 : 0, c.createdAt);
    }
    for (const s of state.settings) {
      prep(db, 'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value WHERE value IS NOT excluded.value')
        .run(s.key, s.value);
    }
  })();
}

/** Replaces a contact's device set; a device id is its identity key, so a new device is saved as 'unverified' as on first contact. */
function setDevices(store: LocalStore, accountId: string, deviceIds: readonly string[]): void {
  const keep = new Set(deviceIds);
  const existing = prep(store.db, 'SELECT device_id FROM contact_devices WHERE account_id = ?').pluck().all(accountId) as string[];
  for (const d of existing) if (!keep.has(d)) prep(store.db, 'DELETE FROM contact_devices WHERE account_id = ? AND device_id = ?').run(accountId, d);
  for (const d of deviceIds) store.protocol.saveIdentitySync({ accountId, deviceId: d }, publicKeyFromId(d)!);
}

const MessageRecordsSchema = z.array(MessageRecordSchema);
const UPSERT_COLS = MESSAGE_COLS.split(', ').filter((c) => c !== 'id');
const UPSERT_SQL = `INSERT INTO messages (${MESSAGE_COLS}) VALUES (${MESSAGE_COLS.split(', ').map(() => '?').join(', ')})
  ON CONFLICT(id) DO UPDATE SET ${UPSERT_COLS.map((c) => `${c} = excluded.${c}`).join(', ')}
  WHERE ${UPSERT_COLS.map((c) => `${c} IS NOT excluded.${c}`).join(' OR ')}`;

export interface ImportMessagesResult {
  /** Rows inserted or changed. */
  readonly written: number;
  /** Records already present with the same values. */
  readonly unchanged: number;
  /** Records skipped because they had already expired (an existing copy is deleted). */
  readonly expired: number;
}

/**
 * Inserts or updates messages (and replaces each one's reactions) in one
 * transaction. Every record's conversation must exist in the store (import
 * the state first, in the same outer transaction if need be).
 */
export function importMessages(store: LocalStore, input: unknown, now = Date.now()): ImportMessagesResult {
  const records = parseOrThrow(MessageRecordsSchema, input, 'message list');
  const db = store.db;
  return db.transaction((): ImportMessagesResult => {
    const conversations = new Set<string>(records.map((r) => r.conversationId));
    for (const c of conversations) {
      if (prep(db, 'SELECT 1 FROM conversations WHERE id = ?').get(c) === undefined) {
        throw new SnapshotError('SNAPSHOT_UNKNOWN_CONVERSATION', 'A message belongs to a conversation the store does not have.');
      }
    }
    let written = 0;
    let unchanged = 0;
    let expired = 0;
    const latest = new Map<string, number>();
    for (const m of records) {
      if (isExpired(m.expiresAt, now)) {
        expired++;
        prep(db, 'DELETE FROM messages WHERE id = ?').run(m.id);
        continue;
      }
      const changed = prep(db, UPSERT_SQL).run(m.id, m.conversationId, m.sender, m.direction, m.body, m.sentAt, m.receivedAt, m.state,
        m.unread ? 1 : 0, m.replyTo, m.editedAt, m.deletedAt, m.expiresAt).changes > 0;
      const reacted = setReactions(store, m.id, m.reactions);
      if (changed || reacted) written++;
      else unchanged++;
      latest.set(m.conversationId, Math.max(latest.get(m.conversationId) ?? 0, m.sentAt));
    }
    for (const [c, at] of latest) prep(db, 'UPDATE conversations SET last_message_at = ? WHERE id = ? AND last_message_at < ?').run(at, c, at);
    return { written, unchanged, expired };
  })();
}

/** Makes a message's reactions exactly `wanted`; returns whether anything was written. */
function setReactions(store: LocalStore, messageId: string, wanted: readonly ReactionRecord[]): boolean {
  const db = store.db;
  const have = new Map((prep(db, 'SELECT sender, emoji, reacted_at AS reactedAt FROM reactions WHERE message_id = ?').all(messageId) as ReactionRecord[])
    .map((r) => [r.sender, r]));
  let wrote = false;
  const senders = new Set<string>();
  for (const r of wanted) {
    senders.add(r.sender);
    const h = have.get(r.sender);
    if (h && h.emoji === r.emoji && h.reactedAt === r.reactedAt) continue;
    prep(db, `INSERT INTO reactions (message_id, sender, emoji, reacted_at) VALUES (?, ?, ?, ?)
      ON CONFLICT(message_id, sender) DO UPDATE SET emoji = excluded.emoji, reacted_at = excluded.reacted_at`).run(messageId, r.sender, r.emoji, r.reactedAt);
    wrote = true;
  }
  for (const s of have.keys()) {
    if (senders.has(s)) continue;
    prep(db, 'DELETE FROM reactions WHERE message_id = ? AND sender = ?').run(messageId, s);
    wrote = true;
  }
  return wrote;
}

const TombstonesSchema = z.array(z.string().min(1).max(128));

/** Deletes the messages with these ids (locally deleted or expired at the source) in one transaction; returns how many existed. */
export function applyTombstones(store: LocalStore, input: unknown): number {
  const ids = parseOrThrow(TombstonesSchema, input, 'tombstone list');
  return store.db.transaction(() => ids.reduce((n, id) => n + prep(store.db, 'DELETE FROM messages WHERE id = ?').run(id).changes, 0))();
}
