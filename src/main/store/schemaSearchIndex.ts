/**
 * v13 (issue 15, third round): the search index is filled after the commit.
 * A new message no longer gets its FTS5 row in the transaction that stores
 * it (≈ 25 µs of a catch-up's or a send's ≈ 30–60 µs insert): its rowid is
 * recorded in search_pending (no content, only the rowid) and the indexer
 * (./searchIndex.ts) moves pending rows into messages_fts in idle time, in
 * its own transactions; search indexes whatever is pending first. The FTS
 * 'delete' command must only name indexed rows (the external-content index
 * would be corrupted otherwise), so deletes and body updates touch the index
 * only for rows that are not pending; a pending row is indexed later from
 * the body it has then. Rows committed but not yet indexed stay pending
 * across a crash and are indexed after the next open.
 */
export const V13 = `
CREATE TABLE search_pending (
  rowid INTEGER PRIMARY KEY              -- a messages.rowid not yet in messages_fts
);
DROP TRIGGER messages_fts_insert;
DROP TRIGGER messages_fts_delete;
DROP TRIGGER messages_fts_update;
CREATE TRIGGER messages_search_insert AFTER INSERT ON messages BEGIN
  INSERT INTO search_pending (rowid) VALUES (new.rowid);
END;
CREATE TRIGGER messages_search_delete AFTER DELETE ON messages BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, body)
    SELECT 'delete', old.rowid, old.body WHERE NOT EXISTS (SELECT 1 FROM search_pending WHERE rowid = old.rowid);
  DELETE FROM search_pending WHERE rowid = old.rowid;
END;
CREATE TRIGGER messages_search_update AFTER UPDATE OF body ON messages
  WHEN NOT EXISTS (SELECT 1 FROM search_pending WHERE rowid = old.rowid) BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.rowid, old.body);
  INSERT INTO messages_fts (rowid, body) VALUES (new.rowid, new.body);
END;
`;
