import Database from 'better-sqlite3-multiple-ciphers';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateSqlite, openSqliteStore } from '../../../src/relay/store/sqlite';
import { migratePostgres, openPostgresStore } from '../../../src/relay/store/postgres';
import type { RelayStore } from '../../../src/relay/store/types';
import type { SignedDeviceList } from '../../../src/shared/wire/deviceList';
import { SQLITE_MIGRATIONS } from '../../../src/relay/store/sqliteMigrations';
import { POSTGRES_MIGRATIONS } from '../../../src/relay/store/postgresMigrations';
import { startTestPostgres, type TestPostgres } from '../../support/postgres';
import { tempDir } from '../../support/relayHarness';

const SEEDED_LIST = JSON.stringify({ accountId: 'acc', version: 2, devices: [{ deviceId: 'd1', addedAt: 1 }, { deviceId: 'd2', addedAt: 2 }], signature: 's' });

/** Stores list versions 1 and 2 of one account (d2 dropped, d3 added) and checks the index after each. */
async function expectIndexFollowsLists(store: RelayStore): Promise<void> {
  const list = (version: number, ids: string[]): SignedDeviceList => ({ accountId: 'acc', version, devices: ids.map((deviceId) => ({ deviceId, addedAt: 1 })), signature: 's' }) as unknown as SignedDeviceList;
  expect(await store.putDeviceList(list(1, ['d1', 'd2']))).toBe('ok');
  expect(await store.accountsOf(['d1', 'd2', 'd3'])).toEqual(new Map([['d1', { listed: ['acc'], former: [] }], ['d2', { listed: ['acc'], former: [] }]]));
  expect(await store.putDeviceList(list(2, ['d1', 'd3']))).toBe('ok');
  expect(await store.accountsOf(['d1', 'd2', 'd3', 'nobody'])).toEqual(
    new Map([['d1', { listed: ['acc'], former: [] }], ['d2', { listed: [], former: ['acc'] }], ['d3', { listed: ['acc'], former: [] }]]),
  );
}

describe('relay SQLite schema', () => {
  it('migrates an empty file (version 0) to the newest version and records it', () => {
    const db = new Database(path.join(tempDir(), 'm.sqlite'));
    expect(migrateSqlite(db)).toBe(SQLITE_MIGRATIONS.at(-1)!.version);
    expect(db.pragma('user_version', { simple: true })).toBe(SQLITE_MIGRATIONS.at(-1)!.version);
    db.close();
  });

  it('migrates version 1 with seeded rows to the newest version (provisioning, revoked devices), keeping the rows', () => {
    const db = new Database(path.join(tempDir(), 'v1.sqlite'));
    db.exec(SQLITE_MIGRATIONS[0]!.sql);
    db.pragma('user_version = 1');
    db.prepare("INSERT INTO messages (device_key, ts, expires_at, envelope) VALUES ('a.b', 1, 2, 'AAAA')").run();
    db.prepare("INSERT INTO device_lists (account_id, version, list) VALUES ('acc', 3, '{}')").run();
    expect(migrateSqlite(db)).toBe(SQLITE_MIGRATIONS.at(-1)!.version);
    expect(db.prepare('SELECT envelope FROM messages').all()).toEqual([{ envelope: 'AAAA' }]);
    expect(db.prepare('SELECT version FROM device_lists').all()).toEqual([{ version: 3 }]);
    db.prepare("INSERT INTO provisioning (channel_id, expires_at) VALUES ('c', 1)").run();
    db.prepare("INSERT INTO revoked_devices (device_key, revoked_at) VALUES ('a.b', 1)").run();
    db.close();
  });

  it('migrates version 2 with seeded rows to the newest version (revoked devices), keeping the rows', () => {
    const db = new Database(path.join(tempDir(), 'v2.sqlite'));
    for (const m of SQLITE_MIGRATIONS.slice(0, 2)) db.exec(m.sql);
    db.pragma('user_version = 2');
    db.prepare("INSERT INTO provisioning (channel_id, expires_at, payload) VALUES ('c', 5, 'PPPP')").run();
    db.prepare("INSERT INTO device_lists (account_id, version, list) VALUES ('acc', 4, '{}')").run();
    expect(migrateSqlite(db)).toBe(SQLITE_MIGRATIONS.at(-1)!.version);
    expect(db.prepare('SELECT payload FROM provisioning').all()).toEqual([{ payload: 'PPPP' }]);
    expect(db.prepare('SELECT version FROM device_lists').all()).toEqual([{ version: 4 }]);
    expect(db.prepare('SELECT COUNT(*) AS n FROM revoked_devices').get()).toEqual({ n: 0 });
    db.close();
  });

  it('migrates version 3 with seeded rows to version 4 (superseded accounts), keeping the rows', () => {
    const db = new Database(path.join(tempDir(), 'v3.sqlite'));
    for (const m of SQLITE_MIGRATIONS.slice(0, 3)) db.exec(m.sql);
    db.pragma('user_version = 3');
    db.prepare("INSERT INTO device_lists (account_id, version, list) VALUES ('acc', 7, '{}')").run();
    db.prepare("INSERT INTO revoked_devices (device_key, revoked_at) VALUES ('acc.b', 9)").run();
    db.prepare("INSERT INTO backups (id, auth_hash, size, updated_at) VALUES ('bk', 'h', 3, 4)").run();
    expect(migrateSqlite(db)).toBe(SQLITE_MIGRATIONS.at(-1)!.version);
    expect(db.prepare('SELECT version FROM device_lists').all()).toEqual([{ version: 7 }]);
    expect(db.prepare('SELECT device_key FROM revoked_devices').all()).toEqual([{ device_key: 'acc.b' }]);
    expect(db.prepare('SELECT size FROM backups').all()).toEqual([{ size: 3 }]);
    expect(db.prepare('SELECT COUNT(*) AS n FROM superseded_accounts').get()).toEqual({ n: 0 });
    db.prepare("INSERT INTO superseded_accounts (account_id, new_account_id, superseded_at) VALUES ('acc', 'acc2', 1)").run();
    db.close();
  });

  it('migrates version 4 with seeded lists and revocations to version 5, indexing each device under its account', () => {
    const db = new Database(path.join(tempDir(), 'v4.sqlite'));
    for (const m of SQLITE_MIGRATIONS.slice(0, 4)) db.exec(m.sql);
    db.pragma('user_version = 4');
    db.prepare('INSERT INTO device_lists (account_id, version, list) VALUES (?, ?, ?)').run('acc', 2, SEEDED_LIST);
    db.prepare("INSERT INTO device_lists (account_id, version, list) VALUES ('empty', 1, '{}')").run();
    db.prepare("INSERT INTO revoked_devices (device_key, revoked_at) VALUES ('acc.gone', 1)").run();
    db.prepare("INSERT INTO messages (device_key, ts, expires_at, envelope) VALUES ('acc.d1', 1, 2, 'CCCC')").run();
    expect(migrateSqlite(db)).toBe(5);
    expect(db.prepare('SELECT device_id, account_id, listed FROM device_accounts ORDER BY device_id').all()).toEqual([
      { device_id: 'd1', account_id: 'acc', listed: 1 },
      { device_id: 'd2', account_id: 'acc', listed: 1 },
      { device_id: 'gone', account_id: 'acc', listed: 0 },
    ]);
    expect(db.prepare('SELECT envelope FROM messages').all()).toEqual([{ envelope: 'CCCC' }]);
    db.close();
  });

  it('keeps the device index in step with stored lists: a dropped device becomes former, a new one listed', async () => {
    const store = openSqliteStore({ dataDir: tempDir() });
    await expectIndexFollowsLists(store);
    await store.close();
  });

  it('reopens a migrated store with seeded rows intact', async () => {
    const dir = tempDir();
    const s1 = openSqliteStore({ dataDir: dir });
    await s1.enqueue([{ deviceKey: 'a.b', envelope: 'AAAA' }], 1, Date.now() + 60_000);
    await s1.close();
    const s2 = openSqliteStore({ dataDir: dir });
    expect((await s2.pending('a.b', 10, Date.now())).map((m) => m.envelope)).toEqual(['AAAA']);
    await s2.close();
  });
});

describe('relay PostgreSQL schema', () => {
  let server: TestPostgres;
  beforeAll(async () => {
    server = await startTestPostgres();
  });
  afterAll(async () => {
    await server.stop();
  });

  /** Runs `fn` on a client whose search path is a fresh schema holding the relay schema at `version`; ends the client after. */
  async function atVersion(version: number, fn: (c: pg.Client) => Promise<void>): Promise<void> {
    const c = new pg.Client({ connectionString: server.url });
    await c.connect();
    try {
      await c.query(`CREATE SCHEMA v${version}test`);
      await c.query(`SET search_path TO v${version}test`);
      await c.query('CREATE TABLE relay_schema (version INTEGER NOT NULL)');
      await c.query('INSERT INTO relay_schema (version) VALUES ($1)', [version]);
      for (const m of POSTGRES_MIGRATIONS.slice(0, version)) await c.query(m.sql);
      await fn(c);
    } finally {
      await c.end();
    }
  }

  it('migrates version 1 with seeded rows to the newest version, keeping the rows', async () => {
    await atVersion(1, async (c) => {
      await c.query("INSERT INTO messages (device_key, ts, expires_at, envelope) VALUES ('a.b', 1, 2, 'BBBB')");
      expect(await migratePostgres(c)).toBe(POSTGRES_MIGRATIONS.at(-1)!.version);
      expect((await c.query('SELECT envelope FROM messages')).rows).toEqual([{ envelope: 'BBBB' }]);
      await c.query("INSERT INTO provisioning (channel_id, expires_at) VALUES ('c', 1)");
      await c.query("INSERT INTO revoked_devices (device_key, revoked_at) VALUES ('a.b', 1)");
    });
  });

  it('migrates version 2 with seeded rows to the newest version (revoked devices), keeping the rows', async () => {
    await atVersion(2, async (c) => {
      await c.query("INSERT INTO provisioning (channel_id, expires_at, payload) VALUES ('c', 5, 'PPPP')");
      expect(await migratePostgres(c)).toBe(POSTGRES_MIGRATIONS.at(-1)!.version);
      expect((await c.query('SELECT payload FROM provisioning')).rows).toEqual([{ payload: 'PPPP' }]);
      expect((await c.query('SELECT COUNT(*)::int AS n FROM revoked_devices')).rows).toEqual([{ n: 0 }]);
    });
  });

  it('migrates version 3 with seeded rows to version 4 (superseded accounts), keeping the rows', async () => {
    await atVersion(3, async (c) => {
      await c.query("INSERT INTO device_lists (account_id, version, list) VALUES ('acc', 7, '{}')");
      await c.query("INSERT INTO revoked_devices (device_key, revoked_at) VALUES ('acc.b', 9)");
      expect(await migratePostgres(c)).toBe(POSTGRES_MIGRATIONS.at(-1)!.version);
      expect((await c.query('SELECT version::int AS version FROM device_lists')).rows).toEqual([{ version: 7 }]);
      expect((await c.query('SELECT device_key FROM revoked_devices')).rows).toEqual([{ device_key: 'acc.b' }]);
      expect((await c.query('SELECT COUNT(*)::int AS n FROM superseded_accounts')).rows).toEqual([{ n: 0 }]);
      await c.query("INSERT INTO superseded_accounts (account_id, new_account_id, superseded_at) VALUES ('acc', 'acc2', 1)");
    });
  });

  it('migrates version 4 with seeded lists and revocations to version 5, indexing each device under its account', async () => {
    await atVersion(4, async (c) => {
      await c.query('INSERT INTO device_lists (account_id, version, list) VALUES ($1, $2, $3)', ['acc', 2, SEEDED_LIST]);
      await c.query("INSERT INTO device_lists (account_id, version, list) VALUES ('empty', 1, '{}')");
      await c.query("INSERT INTO revoked_devices (device_key, revoked_at) VALUES ('acc.gone', 1)");
      await c.query("INSERT INTO messages (device_key, ts, expires_at, envelope) VALUES ('acc.d1', 1, 2, 'CCCC')");
      expect(await migratePostgres(c)).toBe(5);
      expect((await c.query('SELECT device_id, account_id, listed FROM device_accounts ORDER BY device_id')).rows).toEqual([
        { device_id: 'd1', account_id: 'acc', listed: true },
        { device_id: 'd2', account_id: 'acc', listed: true },
        { device_id: 'gone', account_id: 'acc', listed: false },
      ]);
      expect((await c.query('SELECT envelope FROM messages')).rows).toEqual([{ envelope: 'CCCC' }]);
    });
  });

  it('keeps the device index in step with stored lists: a dropped device becomes former, a new one listed', async () => {
    const c = new pg.Client({ connectionString: server.url });
    await c.connect();
    await c.query('CREATE SCHEMA indextest');
    await c.end();
    const store = await openPostgresStore({ connectionString: `${server.url}${server.url.includes('?') ? '&' : '?'}options=-c%20search_path%3Dindextest` });
    await expectIndexFollowsLists(store);
    await store.close();
  });

  it('migrates an empty database to the newest version, and again is a no-op that keeps rows', async () => {
    const c = new pg.Client({ connectionString: server.url });
    await c.connect();
    expect(await migratePostgres(c)).toBe(POSTGRES_MIGRATIONS.at(-1)!.version);
    await c.query("INSERT INTO messages (device_key, ts, expires_at, envelope) VALUES ('a.b', 1, 2, 'AAAA')");
    expect(await migratePostgres(c)).toBe(POSTGRES_MIGRATIONS.at(-1)!.version);
    expect((await c.query('SELECT envelope FROM messages')).rows).toEqual([{ envelope: 'AAAA' }]);
    await c.end();
  });
});

describe('relay SQLite checkpoints', () => {
  it('move committed pages from the WAL into the database file from the worker thread', async () => {
    const dir = tempDir();
    const store = openSqliteStore({ dataDir: dir });
    const file = path.join(dir, 'relay.sqlite');
    const before = fs.statSync(file).size;
    const envelope = 'A'.repeat(4000);
    for (let i = 0; i < 20; i++) await store.enqueue(Array.from({ length: 50 }, () => ({ deviceKey: 'a.b', envelope })), 1, Date.now() + 60_000);
    // A checkpoint that ran while the enqueues were still going moved only the
    // pages committed by then; wait for a later tick to move the rest.
    const deadline = Date.now() + 10_000;
    while (fs.statSync(file).size <= before + 1_000_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(fs.statSync(file).size).toBeGreaterThan(before + 1_000_000);
    await store.close();
  });
});
