/**
 * The audit log: a local trail of key-management and session events inside
 * the encrypted store, bounded as a ring of AUDIT_LOG_MAX_ROWS (the oldest
 * rows go first). A row holds a time, a kind and a small validated detail
 * (src/shared/audit.ts): no secrets and no message content, by construction.
 */
import { AUDIT_LOG_MAX_ROWS } from '../../shared/constants';
import { AUDIT_KINDS, auditDetailProblem, isAuditKind, type AuditDetail, type AuditKind } from '../../shared/audit';
import { prep, type SqliteDatabase } from './database';
import { StoreError } from './errors';

export { AUDIT_KINDS, type AuditDetail, type AuditKind } from '../../shared/audit';

/** One recorded event, newest first when listed. */
export interface AuditEntry {
  readonly id: number;
  readonly at: number;
  readonly kind: AuditKind;
  readonly detail: AuditDetail;
}

/** How many events of each kind concern one address or account. */
export type AuditCounts = Record<AuditKind, number>;

interface Row {
  id: number;
  at: number;
  kind: string;
  detail: string;
}

/** The account part of `accountId.deviceId`. */
const accountOf = (address: string): string => address.slice(0, address.indexOf('.') < 0 ? address.length : address.indexOf('.'));

/** Records, lists and counts audit events; every statement binds its values. */
export class AuditRepo {
  constructor(private readonly db: SqliteDatabase, private readonly clock: () => number = Date.now) {}

  /**
   * Records one event. A detail with an unknown key, a nested value or a
   * string that is not a short identifier is refused (STORE_BAD_INPUT), so
   * content cannot reach the log by accident. Drops the oldest rows past
   * AUDIT_LOG_MAX_ROWS in the same transaction.
   */
  record(kind: AuditKind, detail: AuditDetail = {}): void {
    if (!isAuditKind(kind)) throw new StoreError('STORE_BAD_INPUT', 'Unknown audit event kind.');
    const problem = auditDetailProblem(detail);
    if (problem) throw new StoreError('STORE_BAD_INPUT', `Audit detail refused: ${problem}.`);
    const address = typeof detail.address === 'string' ? detail.address : null;
    const accountId = address ? accountOf(address) : typeof detail.accountId === 'string' ? detail.accountId : null;
    this.db.transaction(() => {
      const id = Number(prep(this.db, 'INSERT INTO audit_log (at, kind, address, account_id, detail) VALUES (?, ?, ?, ?, ?)')
        .run(this.clock(), kind, address, accountId, JSON.stringify(detail)).lastInsertRowid);
      prep(this.db, 'DELETE FROM audit_log WHERE id <= ?').run(id - AUDIT_LOG_MAX_ROWS);
    })();
  }

  /** Up to `limit` events (at most AUDIT_LOG_MAX_ROWS), newest first, older than the row id `before` if given. */
  list(limit: number, before?: number): AuditEntry[] {
    if (!Number.isInteger(limit) || limit < 1 || limit > AUDIT_LOG_MAX_ROWS) {
      throw new StoreError('STORE_BAD_INPUT', `An audit page holds 1 to ${AUDIT_LOG_MAX_ROWS} rows.`);
    }
    const rows = prep(this.db, 'SELECT id, at, kind, detail FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?')
      .all(before ?? Number.MAX_SAFE_INTEGER, limit) as Row[];
    // A kind this build does not know (written by a newer one) is skipped rather than mislabelled.
    return rows.filter((r) => isAuditKind(r.kind)).map((r) => ({ id: r.id, at: r.at, kind: r.kind as AuditKind, detail: JSON.parse(r.detail) as AuditDetail }));
  }

  /** Counts per kind for one peer device (`accountId.deviceId`) or, given an account id, for all its devices and the account. */
  countsFor(addressOrAccountId: string): AuditCounts {
    const byAddress = addressOrAccountId.includes('.');
    const rows = prep(this.db, byAddress
      ? 'SELECT kind, count(*) AS n FROM audit_log WHERE address = ? GROUP BY kind'
      : 'SELECT kind, count(*) AS n FROM audit_log WHERE account_id = ? GROUP BY kind').all(addressOrAccountId) as { kind: string; n: number }[];
    const counts = Object.fromEntries(AUDIT_KINDS.map((k) => [k, 0])) as AuditCounts;
    for (const r of rows) if (isAuditKind(r.kind)) counts[r.kind] = r.n;
    return counts;
  }

  /** Every held event of the given kinds about one contact's account, oldest first (an export's safety-number events). */
  forAccount(accountId: string, kinds: readonly AuditKind[]): AuditEntry[] {
    const rows = prep(this.db, 'SELECT id, at, kind, detail FROM audit_log WHERE account_id = ? AND kind IN (SELECT value FROM json_each(?)) ORDER BY id')
      .all(accountId, JSON.stringify(kinds)) as Row[];
    return rows.map((r) => ({ id: r.id, at: r.at, kind: r.kind as AuditKind, detail: JSON.parse(r.detail) as AuditDetail }));
  }

  /** Rows held (at most AUDIT_LOG_MAX_ROWS). */
  size(): number {
    return prep(this.db, 'SELECT count(*) FROM audit_log').pluck().get() as number;
  }
}
