/**
 * Conversations and messages: keyset pagination by (sentAt, id), FTS5 search
 * (unicode61, remove_diacritics 2) inside the encrypted file, unread counts,
 * and expiry of disappearing messages (the delete trigger removes their
 * index rows; secure_delete zeroes the freed pages). New messages are
 * indexed after their commit (./searchIndex.ts); search indexes what is
 * pending first.
 */
import { STORE_EXPIRY_BATCH, STORE_MAX_PAGE_SIZE, STORE_MAX_SEARCH_RESULTS } from '../../shared/constants';
import { prep, type SqliteDatabase } from './database';
import { StoreError } from './errors';
import { SearchIndex } from './searchIndex';

/** Whether a message was received (in) or sent by this account (out). */
export type MessageDirection = 'in' | 'out';
/** Where a sent message stands, from queued to read, or failed. */
export type DeliveryState = 'queued' | 'sent' | 'delivered' | 'read' | 'failed';
const DELIVERY_STATES: ReadonlySet<string> = new Set(['queued', 'sent', 'delivered', 'read', 'failed']);

/** A normal message, or the row shown where an authenticated envelope could not be decrypted (repaired in place by a resend). */
export type MessageKind = 'text' | 'undecryptable';

/** A message to insert. */
export interface NewMessage {
  readonly id: string;
  readonly conversationId: string;
  readonly sender: string;
  readonly direction: MessageDirection;
  readonly body: string;
  readonly sentAt: number;
  readonly receivedAt: number;
  readonly state: DeliveryState;
  readonly replyTo?: string | null | undefined;
  readonly expiresAt?: number | null | undefined;
  /** Default 'text'. */
  readonly kind?: MessageKind | undefined;
}

/** A stored message, with its unread, edited and deleted state. */
export interface Message extends NewMessage {
  readonly kind: MessageKind;
  readonly unread: boolean;
  readonly editedAt: number | null;
  readonly deletedAt: number | null;
}

/** A stored conversation: its kind, peer, title, disappearing timer and last activity. */
export interface Conversation {
  readonly id: string;
  readonly kind: 'direct' | 'group';
  readonly peerAccountId: string | null;
  readonly title: string;
  readonly expireTimerMs: number | null;
  readonly lastMessageAt: number;
}

/** A conversation with what its list row shows: the newest message (if any) and the unread count. */
export interface ConversationSummary extends Conversation {
  readonly unread: number;
  readonly last: { readonly body: string; readonly sentAt: number; readonly direction: MessageDirection; readonly deleted: boolean } | null;
}

interface SummaryRow {
  id: string; kind: 'direct' | 'group'; peer_account_id: string | null; title: string; expire_timer_ms: number | null; last_message_at: number;
  unread: number; last_body: string | null; last_sent_at: number | null; last_direction: MessageDirection | null; last_deleted_at: number | null;
}

/** A keyset cursor: the (sentAt, id) of the last row seen. */
export interface Cursor {
  readonly at: number;
  readonly id: string;
}

interface MessageRow {
  id: string; conversation_id: string; sender: string; direction: MessageDirection; body: string; sent_at: number;
  received_at: number; state: DeliveryState; unread: number; reply_to: string | null; edited_at: number | null;
  deleted_at: number | null; expires_at: number | null; kind: MessageKind;
}
const COLS = 'id, conversation_id, sender, direction, body, sent_at, received_at, state, unread, reply_to, edited_at, deleted_at, expires_at, kind';
const toMessage = (r: MessageRow): Message => ({
  id: r.id, conversationId: r.conversation_id, sender: r.sender, direction: r.direction, body: r.body, sentAt: r.sent_at,
  receivedAt: r.received_at, state: r.state, unread: r.unread === 1, replyTo: r.reply_to, editedAt: r.edited_at,
  deletedAt: r.deleted_at, expiresAt: r.expires_at, kind: r.kind,
});

/** The row `insert` writes for a new message, as `get` reads it back (a sender has it at hand after its commit; reading it again cost ≈ 20 µs per send). */
export const asInserted = (m: NewMessage): Message => ({
  id: m.id, conversationId: m.conversationId, sender: m.sender, direction: m.direction, body: m.body, sentAt: m.sentAt, receivedAt: m.receivedAt,
  state: m.state, unread: m.direction === 'in', replyTo: m.replyTo ?? null, editedAt: null, deletedAt: null, expiresAt: m.expiresAt ?? null, kind: m.kind ?? 'text',
});

function checkLimit(limit: number, max: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > max) throw new StoreError('STORE_BAD_INPUT', `A page holds 1 to ${max} rows.`);
}

/** FTS5 query text from user input: each word quoted, so operators in the input are plain text. */
export function ftsQuery(input: string, phrase: boolean): string {
  const words = input.split(/\s+/u).filter((w) => w.length > 0).map((w) => w.replaceAll('"', '""'));
  if (words.length === 0) throw new StoreError('STORE_BAD_INPUT', 'The search text is empty.');
  return phrase ? `"${words.join(' ')}"` : words.map((w) => `"${w}"`).join(' ');
}

/** The `messages` and `conversations` tables, search and expiry. */
export class MessageRepo {
  constructor(private readonly db: SqliteDatabase, private readonly index = new SearchIndex(db)) {}

  upsertConversation(c: Omit<Conversation, 'lastMessageAt'>, now = Date.now()): void {
    if (c.kind !== 'direct' && c.kind !== 'group') throw new StoreError('STORE_BAD_INPUT', 'Unknown conversation kind.');
    if (c.expireTimerMs !== null && (!Number.isSafeInteger(c.expireTimerMs) || c.expireTimerMs <= 0)) {
      throw new StoreError('STORE_BAD_INPUT', 'A disappearing timer is a positive number of milliseconds.');
    }
    prep(this.db, `INSERT INTO conversations (id, kind, peer_account_id, title, expire_timer_ms, created_at) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT(id) DO UPDATE SET title = excluded.title, expire_timer_ms = excluded.expire_timer_ms`)
      .run(c.id, c.kind, c.peerAccountId, c.title, c.expireTimerMs, now);
  }

  /** Conversations by latest activity, newest first; pass the last one's (lastMessageAt, id) for the next page. */
  listConversations(limit: number, before?: Cursor): Conversation[] {
    checkLimit(limit, STORE_MAX_PAGE_SIZE);
    const rows = before
      ? prep(this.db, `SELECT * FROM conversations WHERE (last_message_at, id) < (?, ?) ORDER BY last_message_at DESC, id DESC LIMIT ?`).all(before.at, before.id, limit)
      : prep(this.db, 'SELECT * FROM conversations ORDER BY last_message_at DESC, id DESC LIMIT ?').all(limit);
    return (rows as { id: string; kind: 'direct' | 'group'; peer_account_id: string | null; title: string; expire_timer_ms: number | null; last_message_at: number }[])
      .map((r) => ({ id: r.id, kind: r.kind, peerAccountId: r.peer_account_id, title: r.title, expireTimerMs: r.expire_timer_ms, lastMessageAt: r.last_message_at }));
  }

  /**
   * The conversation list screen in one statement: each conversation (newest
   * activity first) with its newest message and its unread count, both read
   * through the `messages_page` and `messages_unread` indexes.
   */
  conversationSummaries(limit: number): ConversationSummary[] {
    checkLimit(limit, STORE_MAX_PAGE_SIZE);
    const rows = prep(this.db, `SELECT c.id, c.kind, c.peer_account_id, c.title, c.expire_timer_ms, c.last_message_at,
        (SELECT count(*) FROM messages u WHERE u.conversation_id = c.id AND u.unread = 1) AS unread,
        l.body AS last_body, l.sent_at AS last_sent_at, l.direction AS last_direction, l.deleted_at AS last_deleted_at
      FROM (SELECT * FROM conversations ORDER BY last_message_at DESC, id DESC LIMIT ?) c
      LEFT JOIN messages l ON l.id = (SELECT m.id FROM messages m WHERE m.conversation_id = c.id ORDER BY m.sent_at DESC, m.id DESC LIMIT 1)
      ORDER BY c.last_message_at DESC, c.id DESC`).all(limit) as SummaryRow[];
    return rows.map((r) => ({
      id: r.id, kind: r.kind, peerAccountId: r.peer_account_id, title: r.title, expireTimerMs: r.expire_timer_ms, lastMessageAt: r.last_message_at,
      unread: r.unread,
      last: r.last_body === null ? null : { body: r.last_body, sentAt: r.last_sent_at!, direction: r.last_direction!, deleted: r.last_deleted_at !== null },
    }));
  }

  /** The rows that exist among `ids` (any order; missing ids are simply absent), in one statement. */
  getMany(ids: readonly string[]): Message[] {
    if (ids.length === 0) return [];
    checkLimit(ids.length, STORE_MAX_PAGE_SIZE);
    const rows = prep(this.db, `SELECT ${COLS} FROM messages WHERE id IN (SELECT value FROM json_each(?))`).all(JSON.stringify(ids)) as MessageRow[];
    return rows.map(toMessage);
  }

  private insertRow(m: NewMessage): boolean {
    if (!DELIVERY_STATES.has(m.state)) throw new StoreError('STORE_BAD_INPUT', 'Unknown delivery state.');
    if (m.direction !== 'in' && m.direction !== 'out') throw new StoreError('STORE_BAD_INPUT', 'Unknown message direction.');
    if (!m.id || typeof m.body !== 'string' || !Number.isSafeInteger(m.sentAt) || !Number.isSafeInteger(m.receivedAt)) {
      throw new StoreError('STORE_BAD_INPUT', 'A message needs an id, a text body and integer timestamps.');
    }
    return prep(this.db, `INSERT OR IGNORE INTO messages (${COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?)`).run(
      m.id, m.conversationId, m.sender, m.direction, m.body, m.sentAt, m.receivedAt, m.state, m.direction === 'in' ? 1 : 0,
      m.replyTo ?? null, m.expiresAt ?? null, m.kind ?? 'text').changes > 0;
  }

  private touch(conversationId: string, at: number): void {
    prep(this.db, 'UPDATE conversations SET last_message_at = max(last_message_at, ?) WHERE id = ?').run(at, conversationId);
  }

  /** Inserts a message (by trigger, it waits to be indexed for search). Returns false if the id exists already. */
  insert(m: NewMessage): boolean {
    if (!this.insertRow(m)) return false;
    this.touch(m.conversationId, m.sentAt);
    return true;
  }

  /** Inserts many messages in one transaction (bulk import, benchmark); each conversation is touched once. */
  insertMany(ms: readonly NewMessage[]): void {
    this.db.transaction(() => {
      const latest = new Map<string, number>();
      for (const m of ms) {
        if (this.insertRow(m)) latest.set(m.conversationId, Math.max(latest.get(m.conversationId) ?? 0, m.sentAt));
      }
      for (const [c, at] of latest) this.touch(c, at);
    })();
  }

  get(id: string): Message | null {
    const r = prep(this.db, `SELECT ${COLS} FROM messages WHERE id = ?`).get(id) as MessageRow | undefined;
    return r ? toMessage(r) : null;
  }

  /** The newest `limit` messages before the cursor (or the latest ones), returned oldest first. */
  page(conversationId: string, limit: number, before?: Cursor): Message[] {
    checkLimit(limit, STORE_MAX_PAGE_SIZE);
    const rows = (before
      ? prep(this.db, `SELECT ${COLS} FROM messages WHERE conversation_id = ? AND (sent_at, id) < (?, ?) ORDER BY sent_at DESC, id DESC LIMIT ?`)
        .all(conversationId, before.at, before.id, limit)
      : prep(this.db, `SELECT ${COLS} FROM messages WHERE conversation_id = ? ORDER BY sent_at DESC, id DESC LIMIT ?`)
        .all(conversationId, limit)) as MessageRow[];
    return rows.map(toMessage).reverse();
  }

  /** Best-ranked matches across all conversations (messages still waiting to be indexed are indexed first); `phrase` matches the words in order. */
  search(text: string, limit: number, phrase = false): Message[] {
    checkLimit(limit, STORE_MAX_SEARCH_RESULTS);
    const query = ftsQuery(text, phrase);
    this.index.flush();
    // Rank and limit inside the FTS index first, so only the hits shown are read from messages (each read is a page decrypt).
    const rows = prep(this.db, `SELECT ${COLS.split(', ').map((c) => `m.${c}`).join(', ')}
      FROM (SELECT rowid, rank FROM messages_fts WHERE messages_fts MATCH ? ORDER BY rank LIMIT ?) f
      JOIN messages m ON m.rowid = f.rowid ORDER BY f.rank`).all(query, limit) as MessageRow[];
    return rows.map(toMessage);
  }

  /** How many messages a conversation holds (an export's progress total). */
  countIn(conversationId: string): number {
    return prep(this.db, 'SELECT count(*) FROM messages WHERE conversation_id = ?').pluck().get(conversationId) as number;
  }

  unreadCount(conversationId: string): number {
    return prep(this.db, 'SELECT count(*) FROM messages WHERE conversation_id = ? AND unread = 1').pluck().get(conversationId) as number;
  }

  /** Unread counts of every conversation that has any. */
  unreadCounts(): Map<string, number> {
    const rows = prep(this.db, 'SELECT conversation_id AS c, count(*) AS n FROM messages WHERE unread = 1 GROUP BY conversation_id').all() as { c: string; n: number }[];
    return new Map(rows.map((r) => [r.c, r.n]));
  }

  /** Marks incoming messages up to and including `upTo` read. */
  markRead(conversationId: string, upTo: Cursor): number {
    return prep(this.db, 'UPDATE messages SET unread = 0 WHERE conversation_id = ? AND unread = 1 AND (sent_at, id) <= (?, ?)')
      .run(conversationId, upTo.at, upTo.id).changes;
  }

  setState(id: string, state: DeliveryState): void {
    if (!DELIVERY_STATES.has(state)) throw new StoreError('STORE_BAD_INPUT', 'Unknown delivery state.');
    prep(this.db, 'UPDATE messages SET state = ? WHERE id = ?').run(state, id);
  }

  /**
   * Sets a message's text from an edit made at `at`; an edit older than the
   * one shown changes nothing (edits can arrive out of order: a forward to a
   * late device, a resend), so every device converges on the latest.
   * Returns whether the edit applied.
   */
  edit(id: string, body: string, at: number): boolean {
    return prep(this.db, 'UPDATE messages SET body = ?, edited_at = ? WHERE id = ? AND (edited_at IS NULL OR edited_at <= ?)').run(body, at, id, at).changes > 0;
  }

  /** Deletes a message for everyone: the body goes, a "deleted" marker stays. */
  eraseBody(id: string, at: number): void {
    prep(this.db, `UPDATE messages SET body = '', deleted_at = ? WHERE id = ?`).run(at, id);
  }

  /** Marks one incoming message read; true if it was unread. */
  markOneRead(id: string): boolean {
    return prep(this.db, `UPDATE messages SET unread = 0 WHERE id = ? AND direction = 'in' AND unread = 1`).run(id).changes > 0;
  }

  /** The conversation's disappearing timer in milliseconds (null: off or no such conversation). */
  timerOf(conversationId: string): number | null {
    return (prep(this.db, 'SELECT expire_timer_ms FROM conversations WHERE id = ?').pluck().get(conversationId) as number | null | undefined) ?? null;
  }

  /** Sets the conversation's disappearing timer (null: off). */
  setTimer(conversationId: string, ms: number | null): void {
    prep(this.db, 'UPDATE conversations SET expire_timer_ms = ? WHERE id = ?').run(ms, conversationId);
  }

  /** Deletes a message row for good (its FTS or pending row by trigger; freed pages zeroed by secure_delete). */
  delete(id: string): boolean {
    return prep(this.db, 'DELETE FROM messages WHERE id = ?').run(id).changes > 0;
  }

  /** Deletes up to STORE_EXPIRY_BATCH messages whose expiry has passed; returns how many. */
  expire(now: number): number {
    let n = 0;
    for (const ids of this.expireByConversation(now).values()) n += ids.length;
    return n;
  }

  /** Deletes up to STORE_EXPIRY_BATCH messages whose expiry has passed; returns the deleted ids by conversation. */
  expireByConversation(now: number): Map<string, string[]> {
    const rows = prep(this.db, `DELETE FROM messages WHERE rowid IN (SELECT rowid FROM messages WHERE expires_at IS NOT NULL AND expires_at <= ? LIMIT ?)
      RETURNING id, conversation_id AS c`).all(now, STORE_EXPIRY_BATCH) as { id: string; c: string }[];
    return byConversation(rows);
  }

  /** Ids of a conversation's unread incoming messages, oldest first. */
  unreadIncomingIds(conversationId: string): string[] {
    return prep(this.db, `SELECT id FROM messages WHERE conversation_id = ? AND unread = 1 AND direction = 'in' ORDER BY sent_at`).pluck().all(conversationId) as string[];
  }

  /** Up to `limit` messages of a conversation after `after`, oldest first (the newer half of a search hit's context). */
  after(conversationId: string, after: Cursor, limit: number): Message[] {
    checkLimit(limit, STORE_MAX_PAGE_SIZE);
    return (prep(this.db, `SELECT ${COLS} FROM messages WHERE conversation_id = ? AND (sent_at, id) > (?, ?) ORDER BY sent_at, id LIMIT ?`)
      .all(conversationId, after.at, after.id, limit) as MessageRow[]).map(toMessage);
  }

  /**
   * Outgoing messages still queued or sent (no device confirmed them) that
   * were sent before `sentBefore` and not sent again since (a retry, or a
   * forward to a device learned of late, logs the message in the resend
   * log anew): they become 'failed' ("not delivered"). The deadline of a
   * retried message counts from the retry. Returns the changed ids by
   * conversation.
   */
  failOverdue(sentBefore: number): Map<string, string[]> {
    // The recent log's message ids once (a range of resend_log_created), not a scan of the log per overdue message.
    const rows = prep(this.db, `UPDATE messages SET state = 'failed' WHERE direction = 'out' AND state IN ('queued', 'sent') AND sent_at < ?
      AND id NOT IN (SELECT message_id FROM resend_log WHERE created_at >= ? AND message_id IS NOT NULL)
      RETURNING id, conversation_id AS c`).all(sentBefore, sentBefore) as { id: string; c: string }[];
    return byConversation(rows);
  }

  /**
   * Incoming messages (texts and placeholders) received at or after `at`,
   * in the order they were stored (one batch shares a receipt time): what a script's `receive` has not
   * reported yet. Bounded by `limit`.
   */
  incomingSince(at: number, limit: number): Message[] {
    checkLimit(limit, STORE_MAX_PAGE_SIZE);
    return (prep(this.db, `SELECT ${COLS} FROM messages WHERE direction = 'in' AND received_at >= ? ORDER BY received_at, rowid LIMIT ?`)
      .all(at, limit) as MessageRow[]).map(toMessage);
  }

  /** The next expiry deadline, or null. */
  nextExpiry(): number | null {
    return (prep(this.db, 'SELECT min(expires_at) FROM messages WHERE expires_at IS NOT NULL').pluck().get() as number | null) ?? null;
  }
}

/** Groups (id, conversation) rows by conversation, each conversation's ids in row order. */
export function byConversation(rows: readonly { id: string; c: string }[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of rows) {
    const ids = out.get(r.c);
    if (ids) ids.push(r.id);
    else out.set(r.c, [r.id]);
  }
  return out;
}
