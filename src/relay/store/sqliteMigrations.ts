/** Numbered SQLite schema migrations for the relay; PRAGMA user_version records the applied version. */
export interface Migration {
  readonly version: number;
  readonly sql: string;
}

/** The relay's SQLite migrations, oldest first. */
export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE device_lists (account_id TEXT PRIMARY KEY, version INTEGER NOT NULL, list TEXT NOT NULL);
      CREATE TABLE signed_prekeys (device_key TEXT NOT NULL, kind INTEGER NOT NULL, key_id INTEGER NOT NULL, public_key TEXT NOT NULL, signature TEXT NOT NULL, PRIMARY KEY (device_key, kind)) WITHOUT ROWID;
      CREATE TABLE one_time_prekeys (device_key TEXT NOT NULL, kind INTEGER NOT NULL, key_id INTEGER NOT NULL, public_key TEXT NOT NULL, signature TEXT NOT NULL, PRIMARY KEY (device_key, kind, key_id)) WITHOUT ROWID;
      CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT, device_key TEXT NOT NULL, ts INTEGER NOT NULL, expires_at INTEGER NOT NULL, envelope TEXT NOT NULL);
      CREATE INDEX messages_by_device ON messages (device_key, id);
      CREATE INDEX messages_by_expiry ON messages (expires_at);
      CREATE TABLE attachments (id TEXT PRIMARY KEY, token_hash TEXT NOT NULL, size INTEGER, expires_at INTEGER NOT NULL);
      CREATE TABLE backups (id TEXT PRIMARY KEY, auth_hash TEXT NOT NULL, size INTEGER NOT NULL, updated_at INTEGER NOT NULL);
    `,
  },
  {
    // Provisioning channels move into the database so linking works across instances.
    version: 2,
    sql: `CREATE TABLE provisioning (channel_id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL, payload TEXT);`,
  },
  {
    // Devices dropped from their account's list, so a revoked device (and only it) is told so at its next auth.
    version: 3,
    sql: `CREATE TABLE revoked_devices (device_key TEXT PRIMARY KEY, revoked_at INTEGER NOT NULL) WITHOUT ROWID;`,
  },
  {
    // Account keys replaced by "Remove and secure" (docs/protocol.md §6.8): no list signed by them is stored again.
    version: 4,
    sql: `CREATE TABLE superseded_accounts (account_id TEXT PRIMARY KEY, new_account_id TEXT NOT NULL, superseded_at INTEGER NOT NULL) WITHOUT ROWID;`,
  },
  {
    // Device → account index, so a multi-recipient send addressed by device id resolves all its mailboxes in one read:
    // every device of every stored list (listed = 1), and every revoked device (listed = 0), so a sender learns which list dropped it.
    version: 5,
    sql: `
      CREATE TABLE device_accounts (device_id TEXT NOT NULL, account_id TEXT NOT NULL, listed INTEGER NOT NULL, PRIMARY KEY (device_id, account_id)) WITHOUT ROWID;
      INSERT OR IGNORE INTO device_accounts (device_id, account_id, listed)
        SELECT json_extract(d.value, '$.deviceId'), l.account_id, 1 FROM device_lists l, json_each(l.list, '$.devices') d WHERE json_valid(l.list);
      INSERT OR IGNORE INTO device_accounts (device_id, account_id, listed)
        SELECT substr(device_key, instr(device_key, '.') + 1), substr(device_key, 1, instr(device_key, '.') - 1), 0 FROM revoked_devices WHERE instr(device_key, '.') > 0;
    `,
  },
];
