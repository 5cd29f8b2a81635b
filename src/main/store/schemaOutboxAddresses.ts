/**
 * v19 (issue 15, stop 30): the outbox names its recipient device by an
 * integer key into `addresses` instead of repeating the text
 * "accountId.deviceId" (87 bytes) in every row. A text to a contact who has
 * not answered yet goes out as a prekey message: its sealed envelope is
 * 1,921 bytes, and with the text recipient and message id the row was 2,064
 * bytes, a few too many for two rows to share a 4 KiB page (4,064 usable
 * under the chacha20 page cipher's reserve, 4,032 under AEGIS-256's). With
 * the integer key (a 1,978-byte row) two such rows fit a page under
 * either, and a burst writes about half a WAL frame less per sent text
 * (docs/BENCHMARKS.md, stop 29 and stop 30).
 *
 * The table is rebuilt (SQLite cannot change a column's type) with its rows,
 * ids and AUTOINCREMENT high-water mark: an outbox id is never used twice,
 * so a late confirmation for a deleted entry can never remove a newer one.
 * As before, there is no index by recipient: only a revoked or unlisted
 * device's entries are looked up that way, rarely, and an index would cost
 * every send a page. `addresses` rows are never renumbered; one is
 * deleted when its device is dropped (a revoked device) and nothing in the
 * outbox names it any more.
 */
export const V19 = `
CREATE TABLE addresses (
  id INTEGER PRIMARY KEY,
  address TEXT NOT NULL UNIQUE           -- accountId.deviceId
);
INSERT INTO addresses (address) SELECT DISTINCT recipient FROM outbox ORDER BY recipient;
ALTER TABLE outbox RENAME TO outbox_v18;
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  message_id TEXT,
  recipient INTEGER NOT NULL REFERENCES addresses(id),
  payload BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0
);
INSERT INTO outbox (id, message_id, recipient, payload, created_at, attempts)
  SELECT o.id, o.message_id, a.id, o.payload, o.created_at, o.attempts FROM outbox_v18 o JOIN addresses a ON a.address = o.recipient ORDER BY o.id;
DELETE FROM sqlite_sequence WHERE name = 'outbox';
UPDATE sqlite_sequence SET name = 'outbox' WHERE name = 'outbox_v18';
DROP TABLE outbox_v18;
`;
