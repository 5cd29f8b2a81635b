/**
 * Device-list refreshes owed (schema 17, claimed versions 18): accounts whose signed device list
 * must be fetched again because a change was announced to us (a
 * `devicesChanged`) or a peer's list heads show ours is behind. Noted in
 * the receive transaction that commits the envelope, cleared once the
 * refreshed list is recorded, so a crash between the commit and the
 * refresh leaves the note for the next run (conversations/owedRefreshes.ts).
 * One row per account; every value is bound.
 */
import { LIST_REFRESH_RETRY_BASE_MS, LIST_REFRESH_RETRY_MAX_MS } from '../../shared/constants';
import { prep, type SqliteDatabase } from './database';

/**
 * One owed refresh: the account, how many times it was noted (the token
 * `clear` compares), the failed tries since, and the highest list version
 * a peer's heads claimed (schema 18; 0 when only a change was announced).
 */
export interface OwedRefresh {
  readonly accountId: string;
  readonly notes: number;
  readonly attempts: number;
  readonly claimed: number;
}

interface Row { account_id: string; notes: number; attempts: number; claimed_version: number }

const toOwed = (r: Row): OwedRefresh => ({ accountId: r.account_id, notes: r.notes, attempts: r.attempts, claimed: r.claimed_version });

/** The owed device-list refreshes table (schema 17). */
export class ListRefreshRepo {
  constructor(private readonly db: SqliteDatabase, private readonly clock: () => number = Date.now) {}

  /**
   * Notes that each of `accountIds` is owed a refresh (call inside the
   * receive transaction). Noting one already owed counts the note and makes
   * it due at once: a new change is worth a try now, whatever the back-off.
   * `claims`: per account, the list version a peer's heads claimed (the
   * highest is kept).
   */
  note(accountIds: Iterable<string>, now = this.clock(), claims?: ReadonlyMap<string, number>): void {
    const stmt = prep(this.db, `INSERT INTO owed_list_refreshes (account_id, noted_at, claimed_version) VALUES (?, ?, ?)
      ON CONFLICT (account_id) DO UPDATE SET notes = notes + 1, attempts = 0, next_try_at = 0, claimed_version = max(claimed_version, excluded.claimed_version)`);
    for (const a of new Set(accountIds)) stmt.run(a, now, claims?.get(a) ?? 0);
  }

  /** Up to `limit` owed refreshes due by `now` (all of them with `now` = Infinity), the longest waiting first. */
  due(now: number, limit: number): OwedRefresh[] {
    const until = Number.isFinite(now) ? now : Number.MAX_SAFE_INTEGER;
    const rows = prep(this.db, 'SELECT account_id, notes, attempts, claimed_version FROM owed_list_refreshes WHERE next_try_at <= ? ORDER BY next_try_at, noted_at, account_id LIMIT ?')
      .all(until, limit) as Row[];
    return rows.map(toOwed);
  }

  /** `accountId`'s owed refresh, or null when none is owed. */
  owed(accountId: string): OwedRefresh | null {
    const r = prep(this.db, 'SELECT account_id, notes, attempts, claimed_version FROM owed_list_refreshes WHERE account_id = ?').get(accountId) as Row | undefined;
    return r ? toOwed(r) : null;
  }

  /** True when a refresh is due by `now` (cheap: an index probe; the upkeep tick asks it). */
  hasDue(now = this.clock()): boolean {
    return prep(this.db, 'SELECT 1 FROM owed_list_refreshes WHERE next_try_at <= ? LIMIT 1').get(now) !== undefined;
  }

  /** How many times `accountId`'s refresh was noted (the token to pass to `clear`), or null when none is owed. */
  notes(accountId: string): number | null {
    return (prep(this.db, 'SELECT notes FROM owed_list_refreshes WHERE account_id = ?').pluck().get(accountId) as number | undefined) ?? null;
  }

  /**
   * Clears `accountId`'s note if it was not noted again since `notes` was
   * read (a change announced while the refresh was on its way may postdate
   * the list it fetched). Returns whether it went.
   */
  clear(accountId: string, notes: number): boolean {
    return prep(this.db, 'DELETE FROM owed_list_refreshes WHERE account_id = ? AND notes = ?').run(accountId, notes).changes > 0;
  }

  /**
   * A refresh of `accountId` failed: it stays owed, tried again after
   * LIST_REFRESH_RETRY_BASE_MS, doubling per failure up to
   * LIST_REFRESH_RETRY_MAX_MS. Returns the wait, or null when none is owed.
   */
  failed(accountId: string, now = this.clock()): number | null {
    const attempts = (prep(this.db, 'SELECT attempts FROM owed_list_refreshes WHERE account_id = ?').pluck().get(accountId) as number | undefined);
    if (attempts === undefined) return null;
    const wait = Math.min(LIST_REFRESH_RETRY_MAX_MS, LIST_REFRESH_RETRY_BASE_MS * 2 ** Math.min(attempts, 30));
    prep(this.db, 'UPDATE owed_list_refreshes SET attempts = attempts + 1, next_try_at = ? WHERE account_id = ?').run(now + wait, accountId);
    return wait;
  }

  /** Every owed refresh, due or backing off (tests and diagnostics). */
  all(): OwedRefresh[] {
    return this.due(Infinity, Number.MAX_SAFE_INTEGER);
  }
}
