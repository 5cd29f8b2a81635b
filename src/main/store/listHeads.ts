/**
 * The highest device-list version this profile has verified for every
 * account (its own included) and that list's head hash: the floor below
 * which a relay's answer is a rollback (docs/protocol.md §6.7). Every value
 * is bound.
 */
import type { SqliteDatabase } from './database';
import { prep } from './database';

/** One account's highest verified list: its version and head hash. */
export interface ListHead {
  readonly version: number;
  readonly head: string;
}

/** The `device_list_heads` table and the `contacts.list_warning` flag. */
export class ListHeadRepo {
  constructor(private readonly db: SqliteDatabase) {}

  /** The highest verified list of `accountId`, or null when none was seen. */
  get(accountId: string): ListHead | null {
    return (prep(this.db, 'SELECT version, head FROM device_list_heads WHERE account_id = ?').get(accountId) as ListHead | undefined) ?? null;
  }

  /** Records a verified list if it is newer than the stored one; returns false for an older one. */
  note(accountId: string, version: number, head: string, now: number): boolean {
    const known = this.get(accountId);
    if (known && known.version > version) return false;
    prep(this.db, 'INSERT INTO device_list_heads (account_id, version, head, seen_at) VALUES (?, ?, ?, ?) ON CONFLICT (account_id) DO UPDATE SET version = excluded.version, head = excluded.head, seen_at = excluded.seen_at WHERE excluded.version >= device_list_heads.version')
      .run(accountId, version, head, now);
    return true;
  }

  /** Sets (or clears, with null) a contact's split-view warning. */
  setWarning(accountId: string, warning: string | null): void {
    prep(this.db, 'UPDATE contacts SET list_warning = ? WHERE account_id = ?').run(warning, accountId);
  }

  /** A contact's split-view warning, or null. */
  warning(accountId: string): string | null {
    return (prep(this.db, 'SELECT list_warning FROM contacts WHERE account_id = ?').pluck().get(accountId) as string | null | undefined) ?? null;
  }
}
