/**
 * v12 (issue 14, delivery): the group upload outbox. A group message's
 * multi-recipient upload is written here in the transaction that commits
 * its message row and sender-chain step, and cleared when the relay took it
 * (or the pairwise outbox took over): after a crash in between, the same
 * upload (the same sender-key ciphertext, never a new chain step) goes again.
 */
export const V12 = `
CREATE TABLE group_uploads (
  id INTEGER PRIMARY KEY,
  group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
  message_id TEXT,                       -- the message row it carries (null for an edit, delete or reaction)
  recipients TEXT NOT NULL,              -- JSON list of accountId.deviceId
  payload BLOB NOT NULL,                 -- the groupMessage content as uploaded (sender-key ciphertext inside)
  created_at INTEGER NOT NULL
);
`;
