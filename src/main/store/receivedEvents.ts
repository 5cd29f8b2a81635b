/**
 * The received-events outbox: edits, deletes, reactions, receipts and timer
 * changes a contact sent, recorded in the transaction that applied them and
 * read by `parley receive` from a cursor (their sequence number), so each is
 * reported once. Texts are not here: they are message rows already. Bounded
 * by RECEIVED_EVENTS_MAX_ROWS (the oldest go first); events about a message
 * are deleted with it, and an edit's text goes when the message is deleted
 * for everyone.
 */
import { RECEIVED_EVENTS_MAX_ROWS, STORE_MAX_PAGE_SIZE } from '../../shared/constants';
import { prep, type SqliteDatabase } from './database';
import { StoreError } from './errors';

/** What happened, by kind; `target` is the message it applies to. */
export type ReceivedEventBody =
  | { readonly type: 'edit'; readonly target: string; readonly text: string }
  | { readonly type: 'delete'; readonly target: string }
  | { readonly type: 'reaction'; readonly target: string; readonly emoji: string | null }
  | { readonly type: 'receipt'; readonly kind: 'delivered' | 'read'; readonly targets: readonly string[] }
  | { readonly type: 'timer'; readonly seconds: number | null };

/** One recorded event: who sent it in which conversation, when it was applied here, and its sequence number. */
export type ReceivedEvent = ReceivedEventBody & {
  readonly seq: number;
  readonly conversationId: string;
  readonly sender: string;
  readonly receivedAt: number;
};

interface Row { seq: number; conversation_id: string; sender: string; type: ReceivedEventBody['type']; detail: string; received_at: number }

/** The `received_events` table. */
export class ReceivedEventRepo {
  constructor(private readonly db: SqliteDatabase) {}

  /** Records one event (inside the caller's transaction) and drops the oldest beyond RECEIVED_EVENTS_MAX_ROWS. */
  record(conversationId: string, sender: string, receivedAt: number, event: ReceivedEventBody): void {
    const { type, ...detail } = event;
    const target = 'target' in event ? event.target : null;
    const seq = Number(prep(this.db, `INSERT INTO received_events (conversation_id, sender, message_id, type, detail, received_at) VALUES (?, ?, ?, ?, ?, ?)`)
      .run(conversationId, sender, target, type, JSON.stringify(detail), receivedAt).lastInsertRowid);
    prep(this.db, 'DELETE FROM received_events WHERE seq <= ?').run(seq - RECEIVED_EVENTS_MAX_ROWS);
  }

  /** Events after sequence number `after`, oldest first, at most `limit`. */
  since(after: number, limit: number): ReceivedEvent[] {
    if (!Number.isInteger(limit) || limit < 1 || limit > STORE_MAX_PAGE_SIZE) throw new StoreError('STORE_BAD_INPUT', `A page holds 1 to ${STORE_MAX_PAGE_SIZE} rows.`);
    const rows = prep(this.db, 'SELECT seq, conversation_id, sender, type, detail, received_at FROM received_events WHERE seq > ? ORDER BY seq LIMIT ?').all(after, limit) as Row[];
    return rows.map((r) => ({ ...(JSON.parse(r.detail) as object), type: r.type, seq: r.seq, conversationId: r.conversation_id, sender: r.sender, receivedAt: r.received_at }) as ReceivedEvent);
  }

  /** Drops the text of edits to a message deleted for everyone (the body goes everywhere it was kept). */
  forgetEdits(messageId: string): void {
    prep(this.db, `DELETE FROM received_events WHERE message_id = ? AND type = 'edit'`).run(messageId);
  }
}
