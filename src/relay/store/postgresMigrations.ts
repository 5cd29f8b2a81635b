/** Numbered PostgreSQL schema migrations for the relay; relay_schema.version records the applied version. */
import type { Migration } from './sqliteMigrations';

/** The relay's PostgreSQL migrations, oldest first. */
export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE device_lists (account_id TEXT PRIMARY KEY, version BIGINT NOT NULL, list TEXT NOT NULL);
      CREATE TABLE signed_prekeys (device_key TEXT NOT NULL, kind SMALLINT NOT NULL, key_id BIGINT NOT NULL, public_key TEXT NOT NULL, signature TEXT NOT NULL, PRIMARY KEY (device_key, kind));
      CREATE TABLE one_time_prekeys (device_key TEXT NOT NULL, kind SMALLINT NOT NULL, key_id BIGINT NOT NULL, public_key TEXT NOT NULL, signature TEXT NOT NULL, PRIMARY KEY (device_key, kind, key_id));
      CREATE TABLE messages (id BIGSERIAL PRIMARY KEY, device_key TEXT NOT NULL, ts BIGINT NOT NULL, expires_at BIGINT NOT NULL, envelope TEXT NOT NULL);
      CREATE INDEX messages_by_device ON messages (device_key, id);
      CREATE INDEX messages_by_expiry ON messages (expires_at);
      CREATE TABLE attachments (id TEXT PRIMARY KEY, token_hash TEXT NOT NULL, size BIGINT, expires_at BIGINT NOT NULL);
      CREATE TABLE backups (id TEXT PRIMARY KEY, auth_hash TEXT NOT NULL, size BIGINT NOT NULL, updated_at BIGINT NOT NULL);
    `,
  },
  {
    // Provisioning channels move into the database so linking works across instances.
    version: 2,
    sql: `CREATE TABLE provisioning (channel_id TEXT PRIMARY KEY, expires_at BIGINT NOT NULL, payload TEXT);`,
  },
  {
    // Devices dropped from their account's list, so a revoked device (and only it) is told so at its next auth.
    version: 3,
    sql: `CREATE TABLE revoked_devices (device_key TEXT PRIMARY KEY, revoked_at BIGINT NOT NULL);`,
  },
  {
    // Account keys replaced by "Remove and secure" (docs/protocol.md §6.8): no list signed by them is stored again.
    version: 4,
    sql: `CREATE TABLE superseded_accounts (account_id TEXT PRIMARY KEY, new_account_id TEXT NOT NULL, superseded_at BIGINT NOT NULL);`,
  },
  {
    // Device → account index (see the SQLite migration 5): listed devices of every stored list, and revoked devices.
    version: 5,
    sql: `
      CREATE TABLE device_accounts (device_id TEXT NOT NULL, account_id TEXT NOT NULL, listed BOOLEAN NOT NULL, PRIMARY KEY (device_id, account_id));
      INSERT INTO device_accounts (device_id, account_id, listed)
        SELECT d->>'deviceId', l.account_id, TRUE FROM device_lists l, jsonb_array_elements(COALESCE(l.list::jsonb->'devices', '[]'::jsonb)) d
        WHERE d->>'deviceId' IS NOT NULL ON CONFLICT DO NOTHING;
      INSERT INTO device_accounts (device_id, account_id, listed)
        SELECT split_part(device_key, '.', 2), split_part(device_key, '.', 1), FALSE FROM revoked_devices WHERE position('.' in device_key) > 0 ON CONFLICT DO NOTHING;
    `,
  },
];
