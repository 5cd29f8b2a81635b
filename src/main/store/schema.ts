/**
 * Numbered schema migrations (PRAGMA user_version); each runs in one transaction
 * and has a test from the previous version over seeded rows (test/unit/store/migrations*.test.ts).
 * Skipped message keys and archived states live inside the sealed session record (the
 * engine's format); archived_sessions keeps records superseded by a contact's key change.
 */
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { STORE_SCHEMA_VERSION } from '../../shared/constants';
import { V12 } from './schemaGroupUploads';
import { V13 } from './schemaSearchIndex';
import { V14 } from './schemaGroupEvents';
import { V15 } from './schemaResendIndex';
import { V16 } from './schemaGroupHeld';
import { V17, V18 } from './schemaListRefreshes';
import { V19 } from './schemaOutboxAddresses';
import { V21 } from './schemaResendAddresses';
import { messageChangeTriggers, V20 } from './schemaChangeLog';
import { StoreError } from './errors';

const V1 = `
CREATE TABLE account (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  account_id TEXT NOT NULL,
  display_name TEXT NOT NULL,
  key_material BLOB NOT NULL,            -- sealed
  created_at INTEGER NOT NULL
);
CREATE TABLE own_devices (
  device_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  is_this_device INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
CREATE TABLE identity_keypair (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  record BLOB NOT NULL                   -- sealed
);
CREATE TABLE contacts (
  account_id TEXT PRIMARY KEY,
  display_name TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE contact_devices (
  address TEXT PRIMARY KEY,              -- accountId.deviceId
  account_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  identity_key BLOB NOT NULL,
  trust TEXT NOT NULL CHECK (trust IN ('unverified', 'verified', 'changed')),
  updated_at INTEGER NOT NULL
);
CREATE INDEX contact_devices_account ON contact_devices(account_id);
CREATE TABLE prekeys (
  kind TEXT NOT NULL CHECK (kind IN ('ec', 'signed', 'kem')),
  id INTEGER NOT NULL,
  record BLOB NOT NULL,                  -- sealed
  PRIMARY KEY (kind, id)
) WITHOUT ROWID;
CREATE TABLE sessions (
  address TEXT PRIMARY KEY,
  record BLOB NOT NULL,                  -- sealed; holds current, archived states and skipped keys
  updated_at INTEGER NOT NULL
);
CREATE TABLE archived_sessions (
  rowid INTEGER PRIMARY KEY,
  address TEXT NOT NULL,
  record BLOB NOT NULL,                  -- sealed
  archived_at INTEGER NOT NULL
);
CREATE TABLE conversations (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('direct', 'group')),
  peer_account_id TEXT,
  title TEXT NOT NULL DEFAULT '',
  expire_timer_ms INTEGER,
  last_message_at INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
CREATE INDEX conversations_recent ON conversations(last_message_at, id);
CREATE TABLE messages (
  rowid INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  conversation_id TEXT NOT NULL REFERENCES conversations(id),
  sender TEXT NOT NULL,
  direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
  body TEXT NOT NULL,
  sent_at INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'delivered', 'read', 'failed')),
  unread INTEGER NOT NULL DEFAULT 0,
  reply_to TEXT,
  edited_at INTEGER,
  deleted_at INTEGER,
  expires_at INTEGER
);
CREATE INDEX messages_page ON messages(conversation_id, sent_at, id);
CREATE INDEX messages_unread ON messages(conversation_id) WHERE unread = 1;
CREATE INDEX messages_expiry ON messages(expires_at) WHERE expires_at IS NOT NULL;
CREATE VIRTUAL TABLE messages_fts USING fts5(
  body, content = 'messages', content_rowid = 'rowid', tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
  INSERT INTO messages_fts(rowid, body) VALUES (new.rowid, new.body);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.rowid, old.body);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.rowid, old.body);
  INSERT INTO messages_fts(rowid, body) VALUES (new.rowid, new.body);
END;
CREATE TABLE attachments (
  id TEXT PRIMARY KEY,
  message_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  content_type TEXT NOT NULL,
  size INTEGER NOT NULL,
  file_name TEXT,
  local_path TEXT,                       -- the attachment file, encrypted on disk
  key BLOB NOT NULL,                     -- sealed
  digest BLOB NOT NULL
);
CREATE INDEX attachments_message ON attachments(message_id);
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  message_id TEXT,
  recipient TEXT NOT NULL,
  payload BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE processed_envelopes (
  envelope_id TEXT PRIMARY KEY,
  processed_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE pending_acks (
  envelope_id TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE backup_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  last_backup_at INTEGER,
  cursor TEXT,
  status TEXT NOT NULL DEFAULT 'idle'
);
CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
`;

/** v2: reactions, and an archived flag for conversations. */
const V2 = `
CREATE TABLE reactions (
  message_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  sender TEXT NOT NULL,
  emoji TEXT NOT NULL,
  reacted_at INTEGER NOT NULL,
  PRIMARY KEY (message_id, sender)
) WITHOUT ROWID;
ALTER TABLE conversations ADD COLUMN archived INTEGER NOT NULL DEFAULT 0;
`;

/**
 * v3: account-level trust for contacts (the safety number is over account
 * keys), a new account key awaiting the user's acceptance, and the relay a
 * contact is reachable on.
 */
const V3 = `
ALTER TABLE contacts ADD COLUMN trust TEXT NOT NULL DEFAULT 'unverified' CHECK (trust IN ('unverified', 'verified', 'changed'));
ALTER TABLE contacts ADD COLUMN pending_account_id TEXT;
ALTER TABLE contacts ADD COLUMN relay_url TEXT;
`;

/**
 * v4: change tracking for incremental backups (src/main/snapshot/changes.ts).
 * change_counter.seq only grows; every write to messages or reactions bumps
 * it and stamps the message id in message_changes with the new value, so
 * "what changed after seq S" is a range scan, and a deleted message keeps
 * its row there (its tombstone: the id is no longer in messages). Writes to
 * the account-level state (account name, contacts and their devices,
 * conversations, settings) bump the counter too, so one read tells whether
 * anything changed at all. messages_sent orders a whole-history export.
 * backup.writer is this store's random backup writer id (never synced).
 */
const bump = 'UPDATE change_counter SET seq = seq + 1 WHERE id = 1;';
const stamp = (ref: string): string => `${bump}
  INSERT INTO message_changes (message_id, seq) VALUES (${ref}, (SELECT seq FROM change_counter WHERE id = 1))
    ON CONFLICT(message_id) DO UPDATE SET seq = excluded.seq;`;
const stateTrigger = (table: string, event: string): string =>
  `CREATE TRIGGER ${table}_change_${event.split(' ')[0]!.toLowerCase()} AFTER ${event} ON ${table} BEGIN ${bump} END;`;
const V4 = `
CREATE TABLE change_counter (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq INTEGER NOT NULL
);
INSERT INTO change_counter (id, seq) VALUES (1, 0);
CREATE TABLE message_changes (
  message_id TEXT PRIMARY KEY,
  seq INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX message_changes_seq ON message_changes(seq);
CREATE INDEX messages_sent ON messages(sent_at, id);
INSERT OR IGNORE INTO settings (key, value) VALUES ('backup.writer', lower(hex(randomblob(16))));
${messageChangeTriggers(stamp)}
${['contacts', 'contact_devices', 'settings'].flatMap((t) => ['INSERT', 'UPDATE', 'DELETE'].map((e) => stateTrigger(t, e))).join('\n')}
${stateTrigger('conversations', 'INSERT')}
${stateTrigger('conversations', 'UPDATE OF kind, peer_account_id, title, expire_timer_ms, archived')}
${stateTrigger('conversations', 'DELETE')}
${stateTrigger('account', 'INSERT')}
${stateTrigger('account', 'UPDATE OF display_name')}
`;

/** v5: when this device last heard from each of the account's other devices (the devices screen). */
const V5 = `
ALTER TABLE own_devices ADD COLUMN last_seen_at INTEGER;
`;

/**
 * v6: the audit log (src/main/store/audit.ts), a ring of key-management and
 * session events with no content. address and account_id are copied out of
 * the detail so per-contact counts use an index. No change triggers: audit
 * rows are local and never start a backup.
 */
const V6 = `
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  address TEXT,
  account_id TEXT,
  detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_address ON audit_log(address, kind) WHERE address IS NOT NULL;
CREATE INDEX audit_log_account ON audit_log(account_id, kind) WHERE account_id IS NOT NULL;
`;

/**
 * v7 (nothing is lost): placeholder rows for envelopes that authenticated but
 * did not decrypt; the resend log of recently sent content (so a device that
 * failed can ask again); effects (edit, delete, reaction, receipt) waiting
 * for a message that has not arrived yet.
 */
const V7 = `
ALTER TABLE messages ADD COLUMN kind TEXT NOT NULL DEFAULT 'text' CHECK (kind IN ('text', 'undecryptable'));
CREATE TABLE resend_log (
  id INTEGER PRIMARY KEY,
  recipient TEXT NOT NULL,               -- accountId.deviceId
  digest BLOB,                           -- SHA-256 of the ratchet message sent; NULL until it could be encrypted (no session yet)
  content BLOB NOT NULL,                 -- encoded content
  message_id TEXT,
  created_at INTEGER NOT NULL,
  resent INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX resend_log_digest ON resend_log(recipient, digest);
CREATE INDEX resend_log_created ON resend_log(created_at);
CREATE INDEX resend_log_unsent ON resend_log(id) WHERE digest IS NULL;
CREATE TABLE pending_effects (
  id INTEGER PRIMARY KEY,
  target TEXT NOT NULL,                  -- the message id the effect applies to
  conversation_id TEXT NOT NULL,
  sender TEXT NOT NULL,                  -- account id that sent it
  from_device TEXT NOT NULL,
  content BLOB NOT NULL,                 -- encoded content
  received_at INTEGER NOT NULL
);
CREATE INDEX pending_effects_target ON pending_effects(target);
CREATE TABLE owed_receipts (
  message_id TEXT PRIMARY KEY,           -- a contact's message we stored and owe a delivery receipt for
  conversation_id TEXT NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
`;

const V8 = `
CREATE TABLE device_list_heads (
  account_id TEXT PRIMARY KEY,           -- any account whose signed device list we verified, our own included
  version INTEGER NOT NULL,              -- the highest version verified: anything older is refused, across restarts
  head TEXT NOT NULL,                    -- base64url SHA-256 of that list's signed bytes (compared with contacts, §6.7)
  seen_at INTEGER NOT NULL
) WITHOUT ROWID;
ALTER TABLE contacts ADD COLUMN list_warning TEXT; -- null, or why this contact's device list looks split or withheld
`;

/**
 * v9 (CLI parity): the received-events outbox. Each edit, delete, reaction,
 * receipt and timer a contact sends is recorded in the transaction that
 * applies it, so `parley receive` reports it once, even when it arrived
 * while another command had the profile open. Events about one message go
 * with it (cascade), so expiry and "delete for me" take their text along.
 */
const V9 = `
CREATE TABLE received_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  conversation_id TEXT NOT NULL,
  sender TEXT NOT NULL,                  -- the contact's account id
  message_id TEXT REFERENCES messages(id) ON DELETE CASCADE,  -- the target (NULL for receipts and timers)
  type TEXT NOT NULL CHECK (type IN ('edit', 'delete', 'reaction', 'receipt', 'timer')),
  detail TEXT NOT NULL,                  -- JSON: text, emoji, kind and targets, or seconds
  received_at INTEGER NOT NULL
);
CREATE INDEX received_events_message ON received_events(message_id) WHERE message_id IS NOT NULL;
`;

/**
 * v10 (issue 13 §1): a second, different key change for a contact whose
 * change is already pending. Neither is accepted silently: both wait for the
 * user, who verifies and picks one (docs/protocol.md §6.8).
 */
const V10 = `
ALTER TABLE contacts ADD COLUMN conflict_account_id TEXT; -- null, or a second new key that conflicts with pending_account_id
`;

/**
 * v11 (groups, docs/protocol.md §8): a group per row (its conversation row
 * has the same id and kind 'group'), every signed state version this device
 * holds (the state is their fork-choice fold), the members of the current
 * state with the display name each chose, sender-key records (sealed: this
 * device's own chain and each member device's), to whom our current chain
 * was given and from which iteration, and group messages waiting for their
 * sender key. Membership and state changes bump the backup counter.
 */
const V11 = `
CREATE TABLE groups (
  id TEXT PRIMARY KEY,                   -- random 32-byte group id, base64url; also the conversation id
  genesis TEXT NOT NULL,                 -- hash of the create version this device accepted first (fork choice starts there)
  master_key BLOB,                       -- sealed; NULL once this account is no longer a member
  status TEXT NOT NULL CHECK (status IN ('member', 'removed', 'left')),
  rotate INTEGER NOT NULL DEFAULT 0,     -- 1: someone left, our sender chain is replaced before our next group message
  updated_at INTEGER NOT NULL
);
CREATE TABLE group_state_versions (
  group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
  hash TEXT NOT NULL,
  height INTEGER NOT NULL,
  version TEXT NOT NULL,                 -- the signed version, JSON
  PRIMARY KEY (group_id, hash)
) WITHOUT ROWID;
CREATE TABLE group_members (
  group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
  account_id TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin', 'member')),
  name TEXT NOT NULL,                    -- the name the adding admin gave (a hint)
  display_name TEXT,                     -- the name the member chose (from their sender-key distribution)
  devices TEXT NOT NULL DEFAULT '[]',    -- JSON device ids from their verified signed list (for members who are not contacts)
  position INTEGER NOT NULL,
  PRIMARY KEY (group_id, account_id)
) WITHOUT ROWID;
CREATE TABLE group_sender_keys (
  key TEXT PRIMARY KEY,                  -- groupId '.' accountId '.' deviceId (this device's own chain under its own address)
  group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
  record BLOB NOT NULL                   -- sealed
) WITHOUT ROWID;
CREATE TABLE group_key_given (
  group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
  address TEXT NOT NULL,                 -- accountId.deviceId given our current chain
  chain_id INTEGER NOT NULL,
  iteration INTEGER NOT NULL,            -- the first iteration it was given (a repair never goes earlier)
  PRIMARY KEY (group_id, address)
) WITHOUT ROWID;
CREATE TABLE group_pending (
  id INTEGER PRIMARY KEY,
  group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
  sender TEXT NOT NULL,                  -- accountId.deviceId
  placeholder TEXT NOT NULL,             -- the placeholder message row shown meanwhile
  message BLOB NOT NULL,                 -- the sender-key message as received
  received_at INTEGER NOT NULL
);
CREATE INDEX group_pending_sender ON group_pending(group_id, sender);
CREATE TABLE group_receipts (
  message_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,  -- one of our group messages
  account_id TEXT NOT NULL,              -- the member who confirmed it
  kind TEXT NOT NULL CHECK (kind IN ('delivered', 'read')),
  at INTEGER NOT NULL,
  PRIMARY KEY (message_id, account_id)
) WITHOUT ROWID;
${['groups', 'group_members', 'group_state_versions'].flatMap((t) => ['INSERT', 'UPDATE', 'DELETE'].map((e) => stateTrigger(t, e))).join('\n')}
`;
/** MIGRATIONS[n - 1] brings the schema from version n - 1 to n. */
export const MIGRATIONS: readonly string[] = [V1, V2, V3, V4, V5, V6, V7, V8, V9, V10, V11, V12, V13, V14, V15, V16, V17, V18, V19, V20, V21];

/** The schema version of an open database (PRAGMA user_version). */
export const schemaVersion = (db: Database): number => db.pragma('user_version', { simple: true }) as number;

/** Migrates up to `target` (default: the latest), one transaction per step. */
export function migrate(db: Database, target = STORE_SCHEMA_VERSION): void {
  const from = schemaVersion(db);
  if (from > MIGRATIONS.length) {
    throw new StoreError('STORE_SCHEMA_TOO_NEW', `The store has schema ${from}; this build knows up to ${MIGRATIONS.length}.`);
  }
  for (let v = from; v < target; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
