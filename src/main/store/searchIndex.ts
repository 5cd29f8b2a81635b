/**
 * The search index filled after the commit (schema v13, ./schemaSearchIndex.ts):
 * messages are stored with their rowid in search_pending, and `indexSome`
 * moves the oldest pending rows into messages_fts in one transaction (the
 * FTS rows and the pending rows go together, so a crash leaves each message
 * either indexed or pending, never both or neither). `flush` indexes
 * everything pending: search calls it first, so no stored message is ever
 * missing from a search.
 */
import { SEARCH_INDEX_CHUNK } from '../../shared/constants';
import { inTransaction, prep, type SqliteDatabase } from './database';

/** The pending part of the search index. */
export class SearchIndex {
  constructor(private readonly db: SqliteDatabase) {}

  /** Whether any stored message waits to be indexed. */
  hasPending(): boolean {
    return prep(this.db, 'SELECT EXISTS (SELECT 1 FROM search_pending)').pluck().get() === 1;
  }

  /** Indexes up to `limit` pending messages, oldest first, in one transaction; returns how many. */
  indexSome(limit = SEARCH_INDEX_CHUNK): number {
    return inTransaction(this.db, () => {
      const upTo = prep(this.db, 'SELECT max(rowid) FROM (SELECT rowid FROM search_pending ORDER BY rowid LIMIT ?)').pluck().get(limit) as number | null;
      if (upTo === null) return 0;
      prep(this.db, `INSERT INTO messages_fts (rowid, body)
        SELECT m.rowid, m.body FROM search_pending p JOIN messages m ON m.rowid = p.rowid WHERE p.rowid <= ? ORDER BY p.rowid`).run(upTo);
      return prep(this.db, 'DELETE FROM search_pending WHERE rowid <= ?').run(upTo).changes;
    });
  }

  /** Indexes every pending message (before a search); returns how many. */
  flush(): number {
    let n = 0;
    for (let k = this.indexSome(); k > 0; k = this.indexSome()) n += k;
    return n;
  }
}
