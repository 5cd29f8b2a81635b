/**
 * Embedded SQLite relay store (better-sqlite3-multiple-ciphers, unencrypted:
 * the relay only holds ciphertext). WAL with synchronous=NORMAL: a commit is
 * in the WAL before the send is answered, so queued messages survive a
 * process kill (kill -9); FULL (option `durability: 'full'`) also survives
 * power loss at the cost of an fsync per commit.
 */
import Database from 'better-sqlite3-multiple-ciphers';
import fs from 'node:fs';
import path from 'node:path';
import { PreKeyKind } from '../../shared/wire/prekeySignature';
import type { SignedDeviceList } from '../../shared/wire/deviceList';
import type { WireBundle, WirePrekey } from '../../shared/wire/relay';
import { RELAY_WAL_CHECKPOINT_INTERVAL_MS } from '../../shared/constants';
import { startCheckpointer } from './checkpointer';
import { GroupCommit } from './groupCommit';
import { SQLITE_MIGRATIONS } from './sqliteMigrations';
import type { AttachmentRecord, BackupRecord, DeviceKey, OneTimeKind, OutgoingItem, PurgeStats, QueuedMessage, RelayStore, SignedKind, StoreEvent, TakenBundle } from './types';
import { deviceKeyOf, groupAccounts, RevokedRecipient, revokedBy } from './types';

type Row = Record<string, unknown>;
const prekeyOf = (r: Row): WirePrekey => ({ keyId: Number(r.key_id), publicKey: String(r.public_key), signature: String(r.signature) });

/** Where the embedded SQLite relay store keeps its file, and whether each commit waits for fsync ('full'). */
export interface SqliteStoreOptions {
  readonly dataDir: string;
  readonly durability?: 'normal' | 'full';
  /** Told when a background WAL checkpoint fails (the relay logs it); it is tried again on the next tick. */
  readonly onCheckpointFailure?: (reason: string) => void;
}

/** Applies numbered migrations up to the newest; PRAGMA user_version holds the schema version. */
export function migrateSqlite(db: Database.Database): number {
  let version = db.pragma('user_version', { simple: true }) as number;
  for (const m of SQLITE_MIGRATIONS) {
    if (m.version <= version) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
    version = m.version;
  }
  return version;
}

/** Opens (creating and migrating) the embedded SQLite relay store in `options.dataDir`. */
export function openSqliteStore(options: SqliteStoreOptions): RelayStore {
  fs.mkdirSync(options.dataDir, { recursive: true });
  const file = path.join(options.dataDir, 'relay.sqlite');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.durability === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma('busy_timeout = 5000');
  db.pragma('wal_autocheckpoint = 0');
  migrateSqlite(db);
  const checkpointer = startCheckpointer(file, RELAY_WAL_CHECKPOINT_INTERVAL_MS, options.onCheckpointFailure ?? ((reason) => process.stderr.write(`parley-relay: WAL checkpoint failed (${reason}); trying again\n`)));

  const listeners = new Set<(e: StoreEvent) => void>();
  const emit = (e: StoreEvent): void => {
    for (const l of listeners) l(e);
  };

  const q = {
    getList: db.prepare('SELECT list FROM device_lists WHERE account_id = ?'),
    putList: db.prepare(
      'INSERT INTO device_lists (account_id, version, list) VALUES (?, ?, ?) ON CONFLICT(account_id) DO UPDATE SET version = excluded.version, list = excluded.list WHERE excluded.version = device_lists.version + 1',
    ),
    setSigned: db.prepare('INSERT OR REPLACE INTO signed_prekeys (device_key, kind, key_id, public_key, signature) VALUES (?, ?, ?, ?, ?)'),
    addOne: db.prepare('INSERT OR REPLACE INTO one_time_prekeys (device_key, kind, key_id, public_key, signature) VALUES (?, ?, ?, ?, ?)'),
    countOne: db.prepare('SELECT kind, COUNT(*) AS n FROM one_time_prekeys WHERE device_key = ? GROUP BY kind'),
    getSigned: db.prepare('SELECT kind, key_id, public_key, signature FROM signed_prekeys WHERE device_key = ?'),
    takeOne: db.prepare(
      'DELETE FROM one_time_prekeys WHERE device_key = @d AND kind = @k AND key_id = (SELECT key_id FROM one_time_prekeys WHERE device_key = @d AND kind = @k ORDER BY key_id LIMIT 1) RETURNING key_id, public_key, signature',
    ),
    forgetOne: db.prepare('DELETE FROM one_time_prekeys WHERE device_key = ?'),
    forgetSigned: db.prepare('DELETE FROM signed_prekeys WHERE device_key = ?'),
    forgetQueue: db.prepare('DELETE FROM messages WHERE device_key = ?'),
    enqueue: db.prepare('INSERT INTO messages (device_key, ts, expires_at, envelope) VALUES (?, ?, ?, ?)'),
    pending: db.prepare('SELECT id, ts, envelope FROM messages WHERE device_key = ? AND id > ? AND expires_at > ? ORDER BY id LIMIT ?'),
    ack: db.prepare('DELETE FROM messages WHERE device_key = ? AND id = ?'),
    depth: db.prepare('SELECT COUNT(*) AS n FROM messages'),
    pendingCount: db.prepare('SELECT COUNT(*) AS n FROM messages WHERE device_key = ? AND expires_at > ?'),
    createAtt: db.prepare('INSERT INTO attachments (id, token_hash, size, expires_at) VALUES (?, ?, ?, ?)'),
    getAtt: db.prepare('SELECT id, token_hash, size, expires_at FROM attachments WHERE id = ?'),
    completeAtt: db.prepare('UPDATE attachments SET size = ? WHERE id = ?'),
    getBackup: db.prepare('SELECT id, auth_hash, size, updated_at FROM backups WHERE id = ?'),
    putBackup: db.prepare('INSERT OR REPLACE INTO backups (id, auth_hash, size, updated_at) VALUES (?, ?, ?, ?)'),
    expiredAtt: db.prepare('DELETE FROM attachments WHERE expires_at <= ? RETURNING id'),
    expiredMsg: db.prepare('DELETE FROM messages WHERE expires_at <= ?'),
    expiredProv: db.prepare('DELETE FROM provisioning WHERE expires_at <= ?'),
    openProv: db.prepare('INSERT INTO provisioning (channel_id, expires_at) VALUES (?, ?)'),
    postProv: db.prepare('UPDATE provisioning SET payload = ? WHERE channel_id = ? AND payload IS NULL AND expires_at > ?'),
    takeProv: db.prepare('DELETE FROM provisioning WHERE channel_id = ? AND payload IS NOT NULL RETURNING payload'),
    revoke: db.prepare('INSERT OR REPLACE INTO revoked_devices (device_key, revoked_at) VALUES (?, ?)'),
    unrevoke: db.prepare('DELETE FROM revoked_devices WHERE device_key = ?'),
    isRevoked: db.prepare('SELECT 1 FROM revoked_devices WHERE device_key = ?'),
    supersede: db.prepare('INSERT INTO superseded_accounts (account_id, new_account_id, superseded_at) VALUES (?, ?, ?) ON CONFLICT (account_id) DO NOTHING'),
    supersededBy: db.prepare('SELECT new_account_id FROM superseded_accounts WHERE account_id = ?'),
    deleteBackup: db.prepare('DELETE FROM backups WHERE id = ?'),
    unlistAll: db.prepare('UPDATE device_accounts SET listed = 0 WHERE account_id = ?'),
    listDevice: db.prepare('INSERT INTO device_accounts (device_id, account_id, listed) VALUES (?, ?, 1) ON CONFLICT (device_id, account_id) DO UPDATE SET listed = 1'),
    accountsOf: db.prepare("SELECT d.device_id, d.account_id, d.listed FROM device_accounts d JOIN json_each(?) j ON d.device_id = j.value"),
  };

  const kindNumber = (k: SignedKind | OneTimeKind): number => PreKeyKind[k];

  const addOneTime = db.transaction((device: DeviceKey, kind: OneTimeKind, keys: readonly WirePrekey[], max: number): 'ok' | 'too-many' => {
    for (const k of keys) q.addOne.run(device, kindNumber(kind), k.keyId, k.publicKey, k.signature);
    const counts = q.countOne.all(device) as Row[];
    const n = Number(counts.find((r) => Number(r.kind) === kindNumber(kind))?.n ?? 0);
    if (n > max) throw new TooMany();
    return 'ok';
  });
  class TooMany extends Error {}

  const counts = (device: DeviceKey): { oneTimeEc: number; oneTimeKem: number } => {
    const rows = q.countOne.all(device) as Row[];
    const get = (k: number): number => Number(rows.find((r) => Number(r.kind) === k)?.n ?? 0);
    return { oneTimeEc: get(PreKeyKind.oneTimeEc), oneTimeKem: get(PreKeyKind.oneTimeKem) };
  };

  const takeBundle = db.transaction((accountId: string, deviceId: string, oneTime: boolean): TakenBundle | null => {
    const device = deviceKeyOf(accountId, deviceId);
    const signed = q.getSigned.all(device) as Row[];
    const spk = signed.find((r) => Number(r.kind) === PreKeyKind.signedEc);
    const lrk = signed.find((r) => Number(r.kind) === PreKeyKind.lastResortKem);
    if (!spk || !lrk) return null;
    const ec = oneTime ? (q.takeOne.get({ d: device, k: PreKeyKind.oneTimeEc }) as Row | undefined) : undefined;
    const kem = oneTime ? (q.takeOne.get({ d: device, k: PreKeyKind.oneTimeKem }) as Row | undefined) : undefined;
    const bundle: WireBundle = {
      accountId,
      deviceId,
      signedPrekey: prekeyOf(spk),
      lastResortKem: prekeyOf(lrk),
      oneTimeEc: ec ? prekeyOf(ec) : null,
      oneTimeKem: kem ? prekeyOf(kem) : null,
    };
    return { bundle, left: counts(device), consumed: ec !== undefined || kem !== undefined };
  });

  type EnqueueRequest = { items: readonly OutgoingItem[]; now: number; expiresAt: number };
  /** A revoked recipient fails its request (the group then commits each request alone, so only that send is refused). */
  const enqueues = new GroupCommit<EnqueueRequest, string[]>(
    db.transaction((reqs: readonly EnqueueRequest[]) =>
      reqs.map((r) => {
        for (const device of new Set(r.items.map((it) => it.deviceKey))) if (q.isRevoked.get(device) !== undefined) throw new RevokedRecipient(device);
        return r.items.map((it) => String(q.enqueue.run(it.deviceKey, r.now, r.expiresAt, it.envelope).lastInsertRowid));
      }),
    ),
  );
  const acks = new GroupCommit<{ device: DeviceKey; ids: readonly string[] }, number>(
    db.transaction((reqs: readonly { device: DeviceKey; ids: readonly string[] }[]) =>
      reqs.map((r) => {
        let n = 0;
        for (const id of r.ids) n += q.ack.run(r.device, BigInt(id)).changes;
        return n;
      }),
    ),
  );
  /** One transaction: the newer list, and the revocation of every device it dropped (docs/protocol.md §3.2). */
  const putList = db.transaction((list: SignedDeviceList, now: number): 'ok' | 'stale' | 'superseded' => {
    if (q.supersededBy.get(list.accountId) !== undefined) return 'superseded';
    const row = q.getList.get(list.accountId) as Row | undefined;
    if (q.putList.run(list.accountId, list.version, JSON.stringify(list)).changes === 0) return 'stale';
    for (const device of revokedBy(row ? (JSON.parse(String(row.list)) as SignedDeviceList) : null, list)) {
      q.forgetOne.run(device);
      q.forgetSigned.run(device);
      q.forgetQueue.run(device);
      q.revoke.run(device, now);
    }
    for (const d of list.devices) q.unrevoke.run(deviceKeyOf(list.accountId, d.deviceId));
    q.unlistAll.run(list.accountId);
    for (const d of list.devices) q.listDevice.run(d.deviceId, list.accountId);
    return 'ok';
  });

  return {
    kind: 'sqlite',
    async getDeviceList(accountId) {
      const row = q.getList.get(accountId) as Row | undefined;
      return row ? (JSON.parse(String(row.list)) as SignedDeviceList) : null;
    },
    async putDeviceList(list) {
      const verdict = putList(list, Date.now());
      if (verdict === 'ok') emit({ kind: 'deviceList', accountId: list.accountId });
      return verdict;
    },
    async supersedeAccount(accountId, newAccountId, now) {
      return q.supersede.run(accountId, newAccountId, now).changes === 1 ? 'ok' : 'already';
    },
    async supersededBy(accountId) {
      const r = q.supersededBy.get(accountId) as Row | undefined;
      return r ? String(r.new_account_id) : null;
    },
    async isRevoked(device) {
      return q.isRevoked.get(device) !== undefined;
    },
    async accountsOf(deviceIds) {
      const rows = q.accountsOf.all(JSON.stringify(deviceIds)) as Row[];
      return groupAccounts(rows.map((r) => ({ device: String(r.device_id), account: String(r.account_id), listed: Number(r.listed) === 1 })));
    },
    async setSignedPrekey(device, kind, key) {
      q.setSigned.run(device, kindNumber(kind), key.keyId, key.publicKey, key.signature);
    },
    async addOneTimePrekeys(device, kind, keys, max) {
      try {
        return addOneTime(device, kind, keys, max);
      } catch (e) {
        if (e instanceof TooMany) return 'too-many';
        throw e;
      }
    },
    async countPrekeys(device) {
      return counts(device);
    },
    async takeBundle(accountId, deviceId, oneTime) {
      return takeBundle(accountId, deviceId, oneTime);
    },
    async enqueue(items, now, expiresAt) {
      const ids = await enqueues.submit({ items, now, expiresAt });
      items.forEach((it, i) => emit({ kind: 'queued', deviceKey: it.deviceKey, message: { id: ids[i]!, ts: now, envelope: it.envelope } }));
      return ids;
    },
    async pending(device, limit, now, afterId = '0') {
      const rows = q.pending.all(device, BigInt(afterId), now, limit) as Row[];
      return rows.map((r) => ({ id: String(r.id), ts: Number(r.ts), envelope: String(r.envelope) }) satisfies QueuedMessage);
    },
    async ack(device, ids) {
      return acks.submit({ device, ids });
    },
    async queueDepth() {
      return Number((q.depth.get() as Row).n);
    },
    async pendingCount(device, now) {
      return Number((q.pendingCount.get(device, now) as Row).n);
    },
    async createAttachment(r) {
      q.createAtt.run(r.id, r.tokenHash, r.size, r.expiresAt);
    },
    async getAttachment(id) {
      const r = q.getAtt.get(id) as Row | undefined;
      return r ? { id: String(r.id), tokenHash: String(r.token_hash), size: r.size === null ? null : Number(r.size), expiresAt: Number(r.expires_at) } : null;
    },
    async completeAttachment(id, size) {
      q.completeAtt.run(size, id);
    },
    async getBackup(id) {
      const r = q.getBackup.get(id) as Row | undefined;
      return r ? { id: String(r.id), authHash: String(r.auth_hash), size: Number(r.size), updatedAt: Number(r.updated_at) } : null;
    },
    async putBackup(r: BackupRecord) {
      q.putBackup.run(r.id, r.authHash, r.size, r.updatedAt);
    },
    async deleteBackup(id) {
      return q.deleteBackup.run(id).changes > 0;
    },
    async openProvisioning(channelId, expiresAt) {
      q.openProv.run(channelId, expiresAt);
    },
    async postProvisioning(channelId, payload, now) {
      if (q.postProv.run(payload, channelId, now).changes === 0) return false;
      emit({ kind: 'provision', channelId });
      return true;
    },
    async takeProvisioning(channelId) {
      const r = q.takeProv.get(channelId) as Row | undefined;
      return r ? String(r.payload) : null;
    },
    async purgeExpired(now): Promise<PurgeStats> {
      q.expiredProv.run(now);
      const messages = q.expiredMsg.run(now).changes;
      const attachments = (q.expiredAtt.all(now) as Row[]).map((r) => String(r.id));
      return { messages, attachments };
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      listeners.clear();
      await checkpointer.stop();
      db.close();
    },
  };
}

/** The attachment row type, for callers that import the SQLite store. */
export type { AttachmentRecord };
