/**
 * The crash-safe receive and send paths. Receiving commits the new session
 * record, the message (and its FTS row), consumed prekeys, the processed
 * envelope id and the ack intent in ONE transaction; the relay is acked only
 * after that. Sending commits the session record, the message and its outbox
 * entries before anything leaves the machine; an outbox entry is removed only
 * when the relay confirms it.
 */
import { OUTBOX_MEMORY_ENTRIES, STORE_MAX_PENDING_LIST } from '../../shared/constants';
import type { ProtocolAddress } from '../protocol/address';
import { addressId, forgetAddressIfUnused } from './addresses';
import { inTransaction, prep, withFastSecureDelete, type SqliteDatabase } from './database';
import { StoreError } from './errors';
import { byConversation, type MessageRepo, type NewMessage } from './messages';
import type { SqliteProtocolStores } from './protocolStores';

/** Everything one received envelope changes, committed in one transaction: session, identity, consumed prekeys, message and envelope id. */
export interface ReceiveCommit {
  readonly envelopeId: string;
  /**
   * The engine's new record for the sender (absent when the envelope carried
   * no ratchet message); record null when the session layer holds it for the
   * batch and stores it when the batch's pass ends (SessionLayer.holdRecords).
   */
  readonly session?: { readonly address: ProtocolAddress; readonly record: Uint8Array | null } | undefined;
  /** Identity key of a sender whose message created a session. */
  readonly newIdentity?: Uint8Array | null | undefined;
  readonly consumed?: { readonly oneTimePreKeyId: number | null; readonly kemPreKeyId: number | null } | undefined;
  /** The message to show (absent for receipts, typing and other control content). */
  readonly message?: NewMessage | undefined;
}

/** Whether a received envelope was stored now or had been already. */
export type ReceiveOutcome = 'stored' | 'duplicate';

/** One encrypted payload waiting for the relay to accept it for one recipient device. */
export interface OutboxEntry {
  readonly id: number;
  readonly messageId: string | null;
  readonly recipient: string;
  readonly payload: Uint8Array;
  /** Frames carrying it that failed (timed out, refused). */
  readonly attempts: number;
}

/** Everything one send changes before it leaves the machine, committed in one transaction: session, message and outbox entries. */
export interface SendCommit {
  readonly session?: { readonly address: ProtocolAddress; readonly record: Uint8Array } | undefined;
  readonly message?: NewMessage | undefined;
  /** The message the outbox entries belong to when it is not inserted here (a late or repeated send of it). */
  readonly messageId?: string | null | undefined;
  readonly outbox: readonly { readonly recipient: string; readonly payload: Uint8Array }[];
}

function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > STORE_MAX_PENDING_LIST) {
    throw new StoreError('STORE_BAD_INPUT', `List 1 to ${STORE_MAX_PENDING_LIST} entries at a time.`);
  }
}

/** The atomic receive and send commits, the outbox and pending acks (nothing is lost). */
export class Delivery {
  /**
   * The payloads this connection inserted into the outbox, by row id, the
   * newest OUTBOX_MEMORY_ENTRIES: outbox() takes a listed row's payload from
   * here instead of reading the blob back (a burst's flushes read each
   * envelope right after its commit). Sound because commitSend is the only
   * writer of outbox rows and payloads are never updated: an entry whose
   * insert was rolled back is never listed (its row does not exist), and
   * the insert that takes its id again (AUTOINCREMENT reuses an id only
   * after a rollback) replaces it here. Rows are listed from the store, so
   * what it holds decides nothing but where the bytes come from.
   */
  readonly #sealed = new Map<number, Uint8Array>();

  constructor(
    private readonly db: SqliteDatabase,
    private readonly protocol: SqliteProtocolStores,
    private readonly messages: MessageRepo,
    private readonly clock: () => number = Date.now,
  ) {}

  /** True when this envelope was already committed (check before decrypting: a replayed envelope must not reach the ratchet). */
  isProcessed(envelopeId: string): boolean {
    return prep(this.db, 'SELECT 1 FROM processed_envelopes WHERE envelope_id = ?').get(envelopeId) !== undefined;
  }

  /** Which of these envelope ids were already committed: one query for a relay push (isProcessed, batched). */
  processedAmong(envelopeIds: readonly string[]): Set<string> {
    if (envelopeIds.length === 0) return new Set();
    const rows = prep(this.db, 'SELECT envelope_id FROM processed_envelopes WHERE envelope_id IN (SELECT value FROM json_each(?))').pluck().all(JSON.stringify(envelopeIds));
    return new Set(rows as string[]);
  }

  /** One transaction: session, identity, prekeys, message + FTS, dedupe id, ack intent. A repeated envelope id changes nothing. */
  commitReceive(c: ReceiveCommit): ReceiveOutcome {
    if (c.envelopeId.length === 0) throw new StoreError('STORE_BAD_INPUT', 'An envelope id is required.');
    // Joins the caller's transaction (the receive batch), which rolls it back if anything here throws.
    return inTransaction(this.db, (): ReceiveOutcome => {
      const now = this.clock();
      const fresh = prep(this.db, 'INSERT OR IGNORE INTO processed_envelopes (envelope_id, processed_at) VALUES (?, ?)').run(c.envelopeId, now);
      if (fresh.changes === 0) return 'duplicate';
      if (c.session) {
        if (c.newIdentity) this.protocol.saveIdentitySync(c.session.address, c.newIdentity);
        if (c.session.record) this.protocol.storeSessionSync(c.session.address, c.session.record);
      }
      if (c.consumed?.oneTimePreKeyId != null) this.protocol.removePreKeySync(c.consumed.oneTimePreKeyId);
      if (c.consumed?.kemPreKeyId != null) this.protocol.markKyberPreKeyUsedSync(c.consumed.kemPreKeyId);
      if (c.message) this.messages.insert(c.message);
      prep(this.db, 'INSERT OR IGNORE INTO pending_acks (envelope_id, created_at) VALUES (?, ?)').run(c.envelopeId, now);
      return 'stored';
    });
  }

  /** Envelope ids committed but not yet acknowledged to the relay, oldest first. */
  pendingAcks(limit = STORE_MAX_PENDING_LIST): string[] {
    checkLimit(limit);
    return prep(this.db, 'SELECT envelope_id FROM pending_acks ORDER BY created_at, envelope_id LIMIT ?').pluck().all(limit) as string[];
  }

  /** Forgets ack intents once the relay has confirmed the ack. */
  clearAcks(envelopeIds: readonly string[]): void {
    const del = prep(this.db, 'DELETE FROM pending_acks WHERE envelope_id = ?');
    this.db.transaction(() => {
      for (const id of envelopeIds) del.run(id);
    })();
  }

  /** One transaction: advanced session record, the outgoing message, and its outbox entries. Returns the outbox ids. */
  commitSend(c: SendCommit): number[] {
    // Joins the caller's transaction (the send batch), which rolls it back if anything here throws.
    return inTransaction(this.db, (): number[] => {
      const now = this.clock();
      if (c.session) this.protocol.storeSessionSync(c.session.address, c.session.record);
      if (c.message) this.messages.insert(c.message);
      const ins = prep(this.db, 'INSERT INTO outbox (message_id, recipient, payload, created_at) VALUES (?, ?, ?, ?)');
      return c.outbox.map((o) => {
        const id = Number(ins.run(c.message?.id ?? c.messageId ?? null, addressId(this.db, o.recipient), o.payload, now).lastInsertRowid);
        this.#remember(id, o.payload);
        return id;
      });
    });
  }

  #remember(id: number, payload: Uint8Array): void {
    this.#sealed.delete(id); // a reused id (after a rollback) moves to the newest end
    if (this.#sealed.size >= OUTBOX_MEMORY_ENTRIES) this.#sealed.delete(this.#sealed.keys().next().value!);
    this.#sealed.set(id, payload);
  }

  /** Outbox entries still to send (or resend), oldest first; with `after`, only those with a greater id (a flush's entries the relay took, not yet confirmed, are skipped). */
  outbox(limit = STORE_MAX_PENDING_LIST, after = 0): OutboxEntry[] {
    checkLimit(limit);
    const rows = prep(this.db, `SELECT o.id, o.message_id, a.address AS recipient, o.attempts
      FROM outbox o JOIN addresses a ON a.id = o.recipient WHERE o.id > ? ORDER BY o.id LIMIT ?`).all(after, limit) as
      { id: number; message_id: string | null; recipient: string; attempts: number }[];
    const read = prep(this.db, 'SELECT payload FROM outbox WHERE id = ?').pluck();
    return rows.map((r) => ({
      id: r.id, messageId: r.message_id, recipient: r.recipient, attempts: r.attempts,
      payload: this.#sealed.get(r.id) ?? new Uint8Array(read.get(r.id) as Uint8Array),
    }));
  }

  /** Ids of the outbox entries addressed to one device ("account.device"). */
  outboxFor(recipient: string): number[] {
    return prep(this.db, 'SELECT id FROM outbox WHERE recipient = (SELECT id FROM addresses WHERE address = ?)').pluck().all(recipient) as number[];
  }

  /** Drops every outbox entry for one recipient device (`account.device`), e.g. a revoked device; returns how many. */
  dropRecipient(recipient: string): number {
    return this.db.transaction(() => {
      const gone = prep(this.db, 'DELETE FROM outbox WHERE recipient = (SELECT id FROM addresses WHERE address = ?) RETURNING id').pluck().all(recipient) as number[];
      for (const id of gone) this.#sealed.delete(id);
      forgetAddressIfUnused(this.db, recipient);
      return gone.length;
    })();
  }

  /** Counts one more failed send attempt for each of these entries, in one statement (a frame's worth that the relay did not take). */
  noteAttempts(outboxIds: readonly number[]): void {
    if (outboxIds.length === 0) return;
    prep(this.db, 'UPDATE outbox SET attempts = attempts + 1 WHERE id IN (SELECT value FROM json_each(?))').run(JSON.stringify(outboxIds));
  }

  /**
   * The relay confirmed these entries: remove them; a message with no
   * entries left becomes 'sent'. Returns the messages the entries belonged
   * to, by conversation (for one change event each), in one transaction of
   * set statements (no read or write per entry).
   */
  confirmSent(outboxIds: readonly number[]): Map<string, string[]> {
    const ids = JSON.stringify(outboxIds);
    const del = prep(this.db, 'DELETE FROM outbox WHERE id IN (SELECT value FROM json_each(?)) RETURNING message_id').pluck();
    // One scan for the whole batch (outbox has no message_id index; a count per entry made a burst quadratic).
    const waiting = prep(this.db, 'SELECT DISTINCT message_id FROM outbox WHERE message_id IN (SELECT value FROM json_each(?))').pluck();
    const sent = prep(this.db, `UPDATE messages SET state = 'sent' WHERE id = ? AND state = 'queued'`);
    const owners = prep(this.db, 'SELECT id, conversation_id AS c FROM messages WHERE id IN (SELECT value FROM json_each(?))');
    for (const id of outboxIds) this.#sealed.delete(id); // (a rolled-back confirm reads them from the store)
    return this.db.transaction(() => {
      if (outboxIds.length === 0) return new Map<string, string[]>();
      // The outbox's freed pages hold sealed envelopes the relay already has: not written again as zeros (withFastSecureDelete). Only
      // this delete: the state update below rewrites message rows (words), so it runs with secure_delete ON.
      const deleted = withFastSecureDelete(this.db, () => del.all(ids) as (string | null)[]);
      const messages = [...new Set(deleted.filter((m): m is string => m !== null))];
      if (messages.length === 0) return new Map<string, string[]>();
      const list = JSON.stringify(messages);
      const left = new Set(waiting.all(list) as string[]);
      for (const mid of messages) if (!left.has(mid)) sent.run(mid);
      return byConversation(owners.all(list) as { id: string; c: string }[]);
    })();
  }
}
