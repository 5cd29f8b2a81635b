/**
 * v21 (issue 15, stop 34): the resend log names its recipient by the
 * outbox's integer address key (v19) and keeps its content without the
 * trailing zero padding. A burst of sends wrote about 0.6 WAL pages per
 * text into the log (bench:app, stop 34: 10,281 frames for 5,000 texts with
 * it, 7,193 without): each row repeated the text "accountId.deviceId" (87
 * bytes) in the table and again in `resend_log_recipient`, and the encoded
 * content carries up to CONTENT_PAD_BLOCK − 1 zero bytes of padding.
 * `pad` says how many zeros were stripped, so the content read back is the
 * same bytes that were logged; rows copied here keep their bytes whole
 * (pad 0). An awaitingDevicesOf placeholder ("accountId.") is an address
 * like any other. `addresses` rows are deleted only when neither the
 * outbox nor the log names them (store/addresses.ts).
 *
 * The table is rebuilt (SQLite cannot change a column's type) with its ids,
 * so the log's order, and with it each recipient's order, is kept.
 */
export const V21 = `
INSERT OR IGNORE INTO addresses (address) SELECT DISTINCT recipient FROM resend_log ORDER BY recipient;
ALTER TABLE resend_log RENAME TO resend_log_v20;
CREATE TABLE resend_log (
  id INTEGER PRIMARY KEY,
  recipient INTEGER NOT NULL REFERENCES addresses(id),
  digest BLOB,                           -- SHA-256 of the ratchet message sent; NULL until it could be encrypted (no session yet)
  content BLOB NOT NULL,                 -- encoded content, its trailing zero bytes stripped
  pad INTEGER NOT NULL DEFAULT 0,        -- how many zero bytes were stripped from its end
  message_id TEXT,
  created_at INTEGER NOT NULL,
  resent INTEGER NOT NULL DEFAULT 0
);
INSERT INTO resend_log (id, recipient, digest, content, pad, message_id, created_at, resent)
  SELECT r.id, a.id, r.digest, r.content, 0, r.message_id, r.created_at, r.resent FROM resend_log_v20 r JOIN addresses a ON a.address = r.recipient ORDER BY r.id;
DROP TABLE resend_log_v20;
CREATE INDEX resend_log_recipient ON resend_log(recipient, id, digest);
CREATE INDEX resend_log_created ON resend_log(created_at);
CREATE INDEX resend_log_unsent ON resend_log(id) WHERE digest IS NULL;
`;
