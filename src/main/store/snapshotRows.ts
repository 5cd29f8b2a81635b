/**
 * The rows snapshots, backups and device linking read and merge in bulk
 * (src/main/snapshot turns them into validated records): account-level
 * state, message pages in (sentAt, id) order, idempotent upserts that write
 * nothing when the values are already there, and the change tracking of
 * schema v4 (a counter bumped by every tracked write, and per message id the
 * counter value of its last change). Every value is bound.
 */
import { prep, type SqliteDatabase } from './database';
import type { TrustState } from './protocolStores';

/** One message row as stored (snake_case columns). */
export interface MessageRow {
  id: string; conversation_id: string; sender: string; direction: 'in' | 'out'; body: string; sent_at: number; received_at: number;
  state: 'queued' | 'sent' | 'delivered' | 'read' | 'failed'; unread: number; reply_to: string | null; edited_at: number | null;
  deleted_at: number | null; expires_at: number | null;
}

/** One reaction of a snapshot record. */
export interface ReactionRow {
  readonly sender: string;
  readonly emoji: string;
  readonly reactedAt: number;
}

/** One contact row as a snapshot carries it. */
export interface ContactStateRow {
  account_id: string; display_name: string; trust: TrustState; relay_url: string | null; pending_account_id: string | null; created_at: number;
}

/** One conversation row as a snapshot carries it. */
export interface ConversationStateRow {
  id: string; kind: 'direct' | 'group'; peer_account_id: string | null; title: string; expire_timer_ms: number | null; archived: number; created_at: number;
}

const MESSAGE_COLS = 'id, conversation_id, sender, direction, body, sent_at, received_at, state, unread, reply_to, edited_at, deleted_at, expires_at';
const UPSERT_COLS = MESSAGE_COLS.split(', ').filter((c) => c !== 'id');
const UPSERT_MESSAGE = `INSERT INTO messages (${MESSAGE_COLS}) VALUES (${MESSAGE_COLS.split(', ').map(() => '?').join(', ')})
  ON CONFLICT(id) DO UPDATE SET ${UPSERT_COLS.map((c) => `${c} = excluded.${c}`).join(', ')}
  WHERE ${UPSERT_COLS.map((c) => `${c} IS NOT excluded.${c}`).join(' OR ')}`;

/** Bulk reads and idempotent merges for snapshots (see the file comment). */
export class SnapshotRows {
  constructor(private readonly db: SqliteDatabase) {}

  /** The account's id and display name, if the profile has its account row. */
  account(): { account_id: string; display_name: string } | undefined {
    return prep(this.db, 'SELECT account_id, display_name FROM account WHERE id = 1').get() as { account_id: string; display_name: string } | undefined;
  }

  /** Every contact, by account id. */
  contacts(): ContactStateRow[] {
    return prep(this.db, 'SELECT account_id, display_name, trust, relay_url, pending_account_id, created_at FROM contacts ORDER BY account_id').all() as ContactStateRow[];
  }

  /** Every conversation, by id. */
  conversations(): ConversationStateRow[] {
    return prep(this.db, 'SELECT id, kind, peer_account_id, title, expire_timer_ms, archived, created_at FROM conversations ORDER BY id').all() as ConversationStateRow[];
  }

  /** The settings that travel with the account (privacy toggles and the relay), by key. */
  syncedSettings(): { key: string; value: string }[] {
    return prep(this.db, `SELECT key, value FROM settings WHERE key GLOB 'privacy.*' OR key = 'relay.url' ORDER BY key`).all() as { key: string; value: string }[];
  }

  /** A message's reactions, ordered by sender. */
  reactions(messageId: string): ReactionRow[] {
    return prep(this.db, 'SELECT sender, emoji, reacted_at AS reactedAt FROM reactions WHERE message_id = ? ORDER BY sender').all(messageId) as ReactionRow[];
  }

  /** Up to `limit` unexpired messages sent at or after `since`, after the keyset cursor `after`, in (sentAt, id) order. */
  messagePage(after: { at: number; id: string } | null, since: number, now: number, limit: number): MessageRow[] {
    return (after
      ? prep(this.db, `SELECT ${MESSAGE_COLS} FROM messages WHERE (sent_at, id) > (?, ?) AND sent_at >= ? AND (expires_at IS NULL OR expires_at > ?)
          ORDER BY sent_at, id LIMIT ?`).all(after.at, after.id, since, now, limit)
      : prep(this.db, `SELECT ${MESSAGE_COLS} FROM messages WHERE sent_at >= ? AND (expires_at IS NULL OR expires_at > ?)
          ORDER BY sent_at, id LIMIT ?`).all(since, now, limit)) as MessageRow[];
  }

  /** One message row by id. */
  message(id: string): MessageRow | undefined {
    return prep(this.db, `SELECT ${MESSAGE_COLS} FROM messages WHERE id = ?`).get(id) as MessageRow | undefined;
  }

  /** Sets the display name unless it already is `name`. */
  mergeDisplayName(name: string): void {
    prep(this.db, 'UPDATE account SET display_name = ? WHERE id = 1 AND display_name IS NOT ?').run(name, name);
  }

  /** Inserts a contact or updates the fields that differ. */
  mergeContact(c: { accountId: string; name: string; addedAt: number; trust: TrustState; pendingAccountId: string | null; relayUrl: string | null }): void {
    prep(this.db, `INSERT INTO contacts (account_id, display_name, created_at, trust, pending_account_id, relay_url) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT(account_id) DO UPDATE SET display_name = excluded.display_name, trust = excluded.trust,
        pending_account_id = excluded.pending_account_id, relay_url = excluded.relay_url
      WHERE display_name IS NOT excluded.display_name OR trust IS NOT excluded.trust
        OR pending_account_id IS NOT excluded.pending_account_id OR relay_url IS NOT excluded.relay_url`)
      .run(c.accountId, c.name, c.addedAt, c.trust, c.pendingAccountId, c.relayUrl);
  }

  /** Inserts a conversation or updates the fields that differ. */
  mergeConversation(c: { id: string; kind: 'direct' | 'group'; peerAccountId: string | null; title: string; expireTimerMs: number | null; archived: boolean; createdAt: number }): void {
    prep(this.db, `INSERT INTO conversations (id, kind, peer_account_id, title, expire_timer_ms, archived, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, peer_account_id = excluded.peer_account_id, title = excluded.title,
        expire_timer_ms = excluded.expire_timer_ms, archived = excluded.archived
      WHERE kind IS NOT excluded.kind OR peer_account_id IS NOT excluded.peer_account_id OR title IS NOT excluded.title
        OR expire_timer_ms IS NOT excluded.expire_timer_ms OR archived IS NOT excluded.archived`)
      .run(c.id, c.kind, c.peerAccountId, c.title, c.expireTimerMs, c.archived ? 1 : 0, c.createdAt);
  }

  /** Sets a setting unless it already holds `value`. */
  mergeSetting(key: string, value: string): void {
    prep(this.db, 'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value WHERE value IS NOT excluded.value').run(key, value);
  }

  /** True if the conversation exists. */
  hasConversation(id: string): boolean {
    return prep(this.db, 'SELECT 1 FROM conversations WHERE id = ?').get(id) !== undefined;
  }

  /** Inserts a message row or updates the columns that differ; true if anything was written. */
  mergeMessage(m: MessageRow): boolean {
    return prep(this.db, UPSERT_MESSAGE).run(m.id, m.conversation_id, m.sender, m.direction, m.body, m.sent_at, m.received_at, m.state,
      m.unread, m.reply_to, m.edited_at, m.deleted_at, m.expires_at).changes > 0;
  }

  /** Sets a sender's reaction exactly (no ordering check: an import states the source's value). */
  putReaction(messageId: string, r: ReactionRow): void {
    prep(this.db, `INSERT INTO reactions (message_id, sender, emoji, reacted_at) VALUES (?, ?, ?, ?)
      ON CONFLICT(message_id, sender) DO UPDATE SET emoji = excluded.emoji, reacted_at = excluded.reacted_at`).run(messageId, r.sender, r.emoji, r.reactedAt);
  }

  /** Moves a conversation's last-message time forward to `at`. */
  advanceLastMessage(conversationId: string, at: number): void {
    prep(this.db, 'UPDATE conversations SET last_message_at = ? WHERE id = ? AND last_message_at < ?').run(at, conversationId, at);
  }

  /** The store's change counter now: any write to tracked data makes it larger. */
  changeSeq(): number {
    return prep(this.db, 'SELECT seq FROM change_counter WHERE id = 1').pluck().get() as number;
  }

  /**
   * Up to `limit` change-log entries (store v20) with seq in (after.seq, upTo],
   * oldest first: after `after.id` within after.seq when it is given (the
   * keyset of the previous page), else from the next seq on.
   */
  changedIds(after: { readonly seq: number; readonly id?: string }, upTo: number, limit: number): { id: string; seq: number }[] {
    return (after.id === undefined
      ? prep(this.db, 'SELECT message_id AS id, seq FROM message_change_log WHERE seq > ? AND seq <= ? ORDER BY seq, message_id LIMIT ?').all(after.seq, upTo, limit)
      : prep(this.db, 'SELECT message_id AS id, seq FROM message_change_log WHERE (seq, message_id) > (?, ?) AND seq <= ? ORDER BY seq, message_id LIMIT ?')
        .all(after.seq, after.id, upTo, limit)) as { id: string; seq: number }[];
  }

  /** True if any message changed in (after, upTo]. */
  hasChanges(after: number, upTo: number): boolean {
    return prep(this.db, 'SELECT 1 FROM message_change_log WHERE seq > ? AND seq <= ? LIMIT 1').get(after, upTo) !== undefined;
  }

  /** How many entries the change log holds. */
  changeLogSize(): number {
    return prep(this.db, 'SELECT count(*) FROM message_change_log').pluck().get() as number;
  }

  /** Drops every log entry that a later entry of the same id supersedes; returns how many. */
  compactChanges(): number {
    return prep(this.db, 'DELETE FROM message_change_log WHERE seq NOT IN (SELECT max(seq) FROM message_change_log GROUP BY message_id)').run().changes;
  }

  /** Forgets every change at or below `upTo`; returns how many log entries. */
  pruneChanges(upTo: number): number {
    return prep(this.db, 'DELETE FROM message_change_log WHERE seq <= ?').run(upTo).changes;
  }
}
