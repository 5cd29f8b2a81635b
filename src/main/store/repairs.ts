/**
 * What "nothing is lost" keeps in the store: the resend log (recently sent
 * content per recipient device, so a device that could not decrypt it can
 * ask again), and effects that arrived before their target message. Both
 * are bounded by count and age (src/shared/constants.ts); both live in the
 * encrypted database like every message.
 */
import {
  PENDING_EFFECT_TTL_MS, PENDING_EFFECTS_MAX, RESEND_LOG_MAX_ROWS, RESEND_LOG_TTL_MS,
} from '../../shared/constants';
import { addressId, forgetAddressIfUnused } from './addresses';
import { prep, type SqliteDatabase } from './database';

/** One logged send to one device. `digest` is null while the content still waits for a session with that device. */
export interface ResendEntry {
  readonly id: number;
  readonly recipient: string;
  readonly content: Uint8Array;
  readonly messageId: string | null;
  readonly resent: number;
  readonly createdAt: number;
}

/** An edit, delete, reaction or receipt waiting for its target message. */
export interface PendingEffect {
  readonly conversationId: string;
  readonly sender: string;
  readonly fromDevice: string;
  readonly content: Uint8Array;
}

interface ResendRow { id: number; recipient: string; content: Uint8Array; pad: number; message_id: string | null; resent: number; created_at: number }
/** The logged bytes: the stored content and the `pad` zero bytes stripped from its end (schema v21). */
const unstripped = (content: Uint8Array, pad: number): Uint8Array => {
  const out = new Uint8Array(content.length + pad);
  out.set(content);
  return out;
};
const toEntry = (r: ResendRow): ResendEntry => ({
  id: r.id, recipient: r.recipient, content: unstripped(r.content, r.pad), messageId: r.message_id, resent: r.resent, createdAt: r.created_at,
});
/** Zero bytes at the end of `content` (its padding, CONTENT_PAD_BLOCK), which the log does not store. */
const trailingZeros = (content: Uint8Array): number => {
  let end = content.length;
  while (end > 0 && content[end - 1] === 0) end--;
  return content.length - end;
};

/** A resend entry with its recipient's text: the columns every read of the log returns. */
const ENTRY = 'SELECT r.id, a.address AS recipient, r.content, r.pad, r.message_id, r.resent, r.created_at FROM resend_log r JOIN addresses a ON a.id = r.recipient';
/** The integer key of the recipient text bound at this place. */
const KEY = '(SELECT id FROM addresses WHERE address = ?)';

/** The resend log and the pending-effects queue. */
export class RepairRepo {
  constructor(private readonly db: SqliteDatabase, private readonly clock: () => number = Date.now) {}

  /** Logs content sent (or still to send) to each recipient device; call inside the send transaction. */
  logSent(rows: readonly { recipient: string; digest: Uint8Array | null; content: Uint8Array; messageId: string | null }[]): void {
    const ins = prep(this.db, 'INSERT INTO resend_log (recipient, digest, content, pad, message_id, created_at) VALUES (?, ?, ?, ?, ?, ?)');
    const now = this.clock();
    for (const r of rows) {
      const pad = trailingZeros(r.content);
      ins.run(addressId(this.db, r.recipient), r.digest, r.content.subarray(0, r.content.length - pad), pad, r.messageId, now);
    }
  }

  /** The logged content a device's retry request names (by the digest of the ratchet message it could not decrypt). */
  findSent(recipient: string, digest: Uint8Array): ResendEntry | null {
    const r = prep(this.db, `${ENTRY} WHERE r.recipient = ${KEY} AND r.digest = ?`).get(recipient, digest) as ResendRow | undefined;
    return r ? toEntry(r) : null;
  }

  /** The encoded contents logged for one message (one per recipient device), newest first. */
  sentContents(messageId: string): Uint8Array[] {
    return (prep(this.db, 'SELECT content, pad FROM resend_log WHERE message_id = ? ORDER BY id DESC').all(messageId) as { content: Uint8Array; pad: number }[])
      .map((r) => unstripped(r.content, r.pad));
  }

  /**
   * Distinct contents logged for any device of `accountId` since `since`,
   * oldest first (one row per message or content): what a device of that
   * account we learned of late should still get.
   */
  recentForAccount(accountId: string, since: number, limit: number): ResendEntry[] {
    const rows = prep(this.db, `${ENTRY} WHERE r.recipient IN (SELECT id FROM addresses WHERE address >= ? AND address < ?) AND r.created_at >= ?
      ORDER BY r.id LIMIT ?`).all(`${accountId}.`, `${accountId}/`, since, limit) as ResendRow[];
    const seen = new Set<string>();
    const out: ResendEntry[] = [];
    for (const e of rows.map(toEntry)) {
      const key = e.messageId ?? Buffer.from(e.content).toString('base64');
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(e);
    }
    return out;
  }

  /** True when some logged content still waits for a session with its device (cheap: a partial index). */
  hasUnsent(): boolean {
    return prep(this.db, 'SELECT 1 FROM resend_log WHERE digest IS NULL LIMIT 1').get() !== undefined;
  }

  /** Whether content of message `messageId` still waits, unsent, for `recipient` (a device, or an account's awaitingDevicesOf placeholder). */
  waitsFor(recipient: string, messageId: string): boolean {
    return prep(this.db, `SELECT 1 FROM resend_log WHERE recipient = ${KEY} AND digest IS NULL AND message_id = ? LIMIT 1`).get(recipient, messageId) !== undefined;
  }

  /** Every recipient (device, or an account's placeholder) that logged content still waits for, in the order its oldest row was logged. */
  unsentRecipients(): string[] {
    return prep(this.db, `SELECT a.address FROM resend_log r JOIN addresses a ON a.id = r.recipient WHERE r.digest IS NULL
      GROUP BY r.recipient ORDER BY min(r.id)`).pluck().all() as string[];
  }

  /** The content still waiting for `recipient`, oldest first, at most `limit` (an index range: the log's order per recipient). */
  unsentFor(recipient: string, limit: number): ResendEntry[] {
    return (prep(this.db, `${ENTRY} WHERE r.recipient = ${KEY} AND r.digest IS NULL ORDER BY r.id LIMIT ?`).all(recipient, limit) as ResendRow[]).map(toEntry);
  }

  /** Logged content that could not be encrypted yet (no session with the device at send time), oldest first. */
  unsent(limit: number): ResendEntry[] {
    return (prep(this.db, `${ENTRY} WHERE r.digest IS NULL ORDER BY r.id LIMIT ?`).all(limit) as ResendRow[]).map(toEntry);
  }

  /** Records the digest of the ratchet message an entry finally went out as (or again, for a resend). */
  markSent(id: number, digest: Uint8Array, resend: boolean): void {
    prep(this.db, 'UPDATE resend_log SET digest = ?, resent = resent + ? WHERE id = ?').run(digest, resend ? 1 : 0, id);
  }

  /** The entries logged for `recipient` since `since`, oldest first, at most `limit`. */
  loggedFor(recipient: string, since: number, limit: number): ResendEntry[] {
    return (prep(this.db, `${ENTRY} WHERE r.recipient = ${KEY} AND r.created_at >= ? ORDER BY r.id LIMIT ?`).all(recipient, since, limit) as ResendRow[]).map(toEntry);
  }

  /** Every entry logged for `recipient`, oldest first, removed from the log (call inside the transaction that logs them again). */
  takeRecipient(recipient: string): ResendEntry[] {
    const rows = (prep(this.db, `${ENTRY} WHERE r.recipient = ${KEY} ORDER BY r.id`).all(recipient) as ResendRow[]).map(toEntry);
    this.forgetRecipient(recipient);
    return rows;
  }

  /** Forgets entries for a device (it left its account's list): there is nobody to deliver them to. */
  forgetRecipient(recipient: string): number {
    const n = prep(this.db, `DELETE FROM resend_log WHERE recipient = ${KEY}`).run(recipient).changes;
    forgetAddressIfUnused(this.db, recipient);
    return n;
  }

  /** Keeps `effect` until its target arrives; the oldest go once PENDING_EFFECTS_MAX are held. */
  holdEffect(target: string, effect: PendingEffect): void {
    prep(this.db, 'INSERT INTO pending_effects (target, conversation_id, sender, from_device, content, received_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(target, effect.conversationId, effect.sender, effect.fromDevice, effect.content, this.clock());
    prep(this.db, 'DELETE FROM pending_effects WHERE id <= (SELECT id FROM pending_effects ORDER BY id DESC LIMIT 1 OFFSET ?)').run(PENDING_EFFECTS_MAX);
  }

  /** Removes and returns the effects waiting for `target`, in arrival order. */
  takeEffects(target: string): PendingEffect[] {
    // Almost every stored message has none: an indexed lookup (≈ 1.5 µs) instead of a DELETE … RETURNING statement (≈ 5 µs).
    if (prep(this.db, 'SELECT 1 FROM pending_effects WHERE target = ? LIMIT 1').get(target) === undefined) return [];
    const rows = prep(this.db, 'DELETE FROM pending_effects WHERE target = ? RETURNING id, conversation_id, sender, from_device, content').all(target) as
      { id: number; conversation_id: string; sender: string; from_device: string; content: Uint8Array }[];
    return rows.sort((a, b) => a.id - b.id).map((r) => ({ conversationId: r.conversation_id, sender: r.sender, fromDevice: r.from_device, content: new Uint8Array(r.content) }));
  }

  /** Records, inside the receive transaction, that a delivery receipt is owed for a stored message (sent even if we crash before sending it). */
  oweReceipt(messageId: string, conversationId: string): void {
    prep(this.db, 'INSERT OR IGNORE INTO owed_receipts (message_id, conversation_id, created_at) VALUES (?, ?, ?)').run(messageId, conversationId, this.clock());
  }

  /** Owed delivery receipts by conversation, oldest first, at most `limit` ids in all. */
  owedReceipts(limit: number): Map<string, string[]> {
    const rows = prep(this.db, 'SELECT message_id AS m, conversation_id AS c FROM owed_receipts ORDER BY created_at, message_id LIMIT ?').all(limit) as { m: string; c: string }[];
    const out = new Map<string, string[]>();
    for (const r of rows) {
      const ids = out.get(r.c);
      if (ids) ids.push(r.m);
      else out.set(r.c, [r.m]);
    }
    return out;
  }

  /** Forgets owed receipts once they are queued (call in the transaction that queues them). */
  settleReceipts(messageIds: readonly string[]): void {
    const del = prep(this.db, 'DELETE FROM owed_receipts WHERE message_id = ?');
    for (const id of messageIds) del.run(id);
  }

  /**
   * Drops content that waited past RESEND_LOG_TTL_MS for a device's first
   * session or an account's list (never sent: its device never published a
   * bundle, or the list never came); returns how many rows per recipient,
   * for the audit log. Call before prune, which would drop them silently.
   */
  dropExpiredUnsent(now = this.clock()): Map<string, number> {
    const keys = prep(this.db, 'DELETE FROM resend_log WHERE digest IS NULL AND created_at < ? RETURNING recipient').pluck().all(now - RESEND_LOG_TTL_MS) as number[];
    const address = prep(this.db, 'SELECT address FROM addresses WHERE id = ?').pluck();
    const out = new Map<string, number>();
    for (const k of keys) {
      const r = address.get(k) as string;
      out.set(r, (out.get(r) ?? 0) + 1);
    }
    return out;
  }

  /** Drops resend entries and waiting effects past their age or count bounds (the count bound spares unsent content); returns how many rows went. */
  prune(now = this.clock()): number {
    let n = prep(this.db, 'DELETE FROM resend_log WHERE created_at < ?').run(now - RESEND_LOG_TTL_MS).changes;
    n += prep(this.db, 'DELETE FROM resend_log WHERE digest IS NOT NULL AND id <= (SELECT id FROM resend_log ORDER BY id DESC LIMIT 1 OFFSET ?)').run(RESEND_LOG_MAX_ROWS).changes;
    n += prep(this.db, 'DELETE FROM pending_effects WHERE received_at < ?').run(now - PENDING_EFFECT_TTL_MS).changes;
    return n;
  }
}
