/**
 * PostgreSQL relay store (`pg`), for several relay instances on one database.
 * Delivery across instances uses LISTEN/NOTIFY on one dedicated connection;
 * one-time prekeys are consumed with DELETE … FOR UPDATE SKIP LOCKED … RETURNING,
 * so concurrent fetches on any instance never hand out the same key twice.
 */
import pg from 'pg';
import { RELAY_LISTEN_RETRY_MS } from '../../shared/constants';
import type { SignedDeviceList } from '../../shared/wire/deviceList';
import { PreKeyKind } from '../../shared/wire/prekeySignature';
import type { WireBundle, WirePrekey } from '../../shared/wire/relay';
import { POSTGRES_MIGRATIONS } from './postgresMigrations';
import { AsyncGroupCommit } from './groupCommit';
import type { DeviceKey, OutgoingItem, RelayStore, StoreEvent, TakenBundle } from './types';
import { accountOfDeviceKey, deviceKeyOf, groupAccounts, RevokedRecipient, revokedBy } from './types';

const CHANNEL = 'parley_relay';
type Row = Record<string, unknown>;
const prekeyOf = (r: Row): WirePrekey => ({ keyId: Number(r.key_id), publicKey: String(r.public_key), signature: String(r.signature) });

/** Applies the numbered PostgreSQL migrations up to the newest, under an advisory lock so instances do not race; returns the version. */
export async function migratePostgres(client: pg.PoolClient | pg.Client): Promise<number> {
  await client.query('SELECT pg_advisory_lock(7263)');
  try {
    await client.query('CREATE TABLE IF NOT EXISTS relay_schema (version INTEGER NOT NULL)');
    const r = await client.query('SELECT version FROM relay_schema');
    let version = r.rows.length ? Number(r.rows[0].version) : 0;
    if (!r.rows.length) await client.query('INSERT INTO relay_schema (version) VALUES (0)');
    for (const m of POSTGRES_MIGRATIONS) {
      if (m.version <= version) continue;
      await client.query('BEGIN');
      await client.query(m.sql);
      await client.query('UPDATE relay_schema SET version = $1', [m.version]);
      await client.query('COMMIT');
      version = m.version;
    }
    return version;
  } finally {
    await client.query('SELECT pg_advisory_unlock(7263)');
  }
}

/** Opens the PostgreSQL relay store (migrating it) and listens for events from other instances. */
export async function openPostgresStore(options: { connectionString: string; poolSize?: number }): Promise<RelayStore> {
  const pool = new pg.Pool({ connectionString: options.connectionString, max: options.poolSize ?? 10 });
  pool.on('error', () => undefined);
  const setup = await pool.connect();
  try {
    await migratePostgres(setup);
  } finally {
    setup.release();
  }
  const listeners = new Set<(e: StoreEvent) => void>();
  const dispatch = (e: StoreEvent): void => {
    for (const l of listeners) l(e);
  };
  let closing = false;
  let listener: pg.Client;
  /**
   * The LISTEN connection. If it drops, notifications sent meanwhile are
   * lost, so after reconnecting a 'resync' event makes every local
   * connection re-read its queue and every cached device list refresh.
   */
  const listen = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: options.connectionString });
    c.on('error', () => undefined);
    c.on('notification', (n) => {
      const p = n.payload ?? '';
      const rest = p.slice(2);
      dispatch(p.startsWith('q:') ? { kind: 'queued', deviceKey: rest } : p.startsWith('p:') ? { kind: 'provision', channelId: rest } : { kind: 'deviceList', accountId: rest });
    });
    c.on('end', () => {
      if (closing) return;
      const retry = (): void => {
        listen().then(
          () => dispatch({ kind: 'resync' }),
          () => setTimeout(retry, RELAY_LISTEN_RETRY_MS).unref(),
        );
      };
      setTimeout(retry, RELAY_LISTEN_RETRY_MS).unref();
    });
    await c.connect();
    await c.query(`LISTEN ${CHANNEL}`);
    listener = c;
  };
  await listen();

  async function tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      c.release();
    }
  }
  const notify = (c: pg.PoolClient | pg.Pool, payload: string) => c.query('SELECT pg_notify($1, $2)', [CHANNEL, payload]);

  type EnqueueRequest = { items: readonly OutgoingItem[]; now: number; expiresAt: number };
  /**
   * Sends of one batch share one transaction (one INSERT … UNNEST) and one
   * NOTIFY per recipient device. Each recipient account's lock is taken
   * shared (putDeviceList takes it exclusively, in sorted order so the
   * batch cannot deadlock with itself), then no recipient may be revoked: a
   * revocation commits wholly before this check or after this commit.
   */
  const enqueues = new AsyncGroupCommit<EnqueueRequest, string[]>((reqs) =>
    tx(async (c) => {
      const all = reqs.flatMap((r) => r.items.map((it) => ({ ...it, now: r.now, expiresAt: r.expiresAt })));
      const devices = [...new Set(all.map((i) => i.deviceKey))];
      const accounts = [...new Set(devices.map(accountOfDeviceKey))];
      await c.query('SELECT pg_advisory_xact_lock_shared(h) FROM (SELECT hashtext(a) AS h FROM UNNEST($1::text[]) AS a ORDER BY 1) AS s', [accounts]);
      const revoked = await c.query('SELECT device_key FROM revoked_devices WHERE device_key = ANY($1::text[]) LIMIT 1', [devices]);
      if (revoked.rows.length > 0) throw new RevokedRecipient(String((revoked.rows[0] as Row).device_key));
      const r = await c.query(
        'INSERT INTO messages (device_key, ts, expires_at, envelope) SELECT d, t, e, v FROM UNNEST($1::text[], $2::bigint[], $3::bigint[], $4::text[]) WITH ORDINALITY AS x(d, t, e, v, n) ORDER BY n RETURNING id',
        [all.map((i) => i.deviceKey), all.map((i) => i.now), all.map((i) => i.expiresAt), all.map((i) => i.envelope)],
      );
      for (const key of new Set(all.map((i) => i.deviceKey))) await notify(c, `q:${key}`);
      const ids = r.rows.map((x: Row) => String(x.id));
      let at = 0;
      return reqs.map((req) => ids.slice(at, (at += req.items.length)));
    }),
  );
  /** Acks of one batch share one DELETE; each request counts only rows of its own device. */
  const acks = new AsyncGroupCommit<{ device: DeviceKey; ids: readonly string[] }, number>(async (reqs) => {
    const devices = reqs.flatMap((r) => r.ids.map(() => r.device));
    const ids = reqs.flatMap((r) => [...r.ids]);
    const r = await pool.query(
      'DELETE FROM messages m USING UNNEST($1::text[], $2::bigint[]) AS x(d, i) WHERE m.device_key = x.d AND m.id = x.i RETURNING m.device_key',
      [devices, ids],
    );
    const perDevice = new Map<string, number>();
    for (const row of r.rows as Row[]) perDevice.set(String(row.device_key), (perDevice.get(String(row.device_key)) ?? 0) + 1);
    return reqs.map((req) => {
      const n = perDevice.get(req.device) ?? 0;
      perDevice.set(req.device, 0);
      return n;
    });
  });

  return {
    kind: 'postgres',
    async getDeviceList(accountId) {
      const r = await pool.query('SELECT list FROM device_lists WHERE account_id = $1', [accountId]);
      return r.rows.length ? (JSON.parse(String(r.rows[0].list)) as SignedDeviceList) : null;
    },
    /** One transaction, serialised per account: the newer list and the revocation of every device it dropped (docs/protocol.md §3.2). */
    async putDeviceList(list) {
      return tx(async (c) => {
        await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [list.accountId]);
        if ((await c.query('SELECT 1 FROM superseded_accounts WHERE account_id = $1', [list.accountId])).rows.length > 0) return 'superseded' as const;
        const prev = await c.query('SELECT list FROM device_lists WHERE account_id = $1', [list.accountId]);
        const r = await c.query(
          'INSERT INTO device_lists (account_id, version, list) VALUES ($1, $2, $3) ON CONFLICT (account_id) DO UPDATE SET version = excluded.version, list = excluded.list WHERE excluded.version = device_lists.version + 1',
          [list.accountId, list.version, JSON.stringify(list)],
        );
        if (r.rowCount === 0) return 'stale' as const;
        const revoked = revokedBy(prev.rows.length ? (JSON.parse(String(prev.rows[0].list)) as SignedDeviceList) : null, list);
        if (revoked.length > 0) {
          for (const t of ['one_time_prekeys', 'signed_prekeys', 'messages']) await c.query(`DELETE FROM ${t} WHERE device_key = ANY($1::text[])`, [revoked]);
          await c.query(
            'INSERT INTO revoked_devices (device_key, revoked_at) SELECT d, $2 FROM UNNEST($1::text[]) AS d ON CONFLICT (device_key) DO UPDATE SET revoked_at = excluded.revoked_at',
            [revoked, Date.now()],
          );
        }
        await c.query('DELETE FROM revoked_devices WHERE device_key = ANY($1::text[])', [list.devices.map((d) => deviceKeyOf(list.accountId, d.deviceId))]);
        await c.query('UPDATE device_accounts SET listed = FALSE WHERE account_id = $1', [list.accountId]);
        await c.query(
          'INSERT INTO device_accounts (device_id, account_id, listed) SELECT d, $2, TRUE FROM UNNEST($1::text[]) AS d ON CONFLICT (device_id, account_id) DO UPDATE SET listed = TRUE',
          [list.devices.map((d) => d.deviceId), list.accountId],
        );
        await notify(c, `d:${list.accountId}`);
        return 'ok' as const;
      });
    },
    /** Under the same per-account lock as putDeviceList, so no list of the old key commits after this. */
    async supersedeAccount(accountId, newAccountId, now) {
      return tx(async (c) => {
        await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [accountId]);
        const r = await c.query(
          'INSERT INTO superseded_accounts (account_id, new_account_id, superseded_at) VALUES ($1, $2, $3) ON CONFLICT (account_id) DO NOTHING',
          [accountId, newAccountId, now],
        );
        return r.rowCount === 1 ? ('ok' as const) : ('already' as const);
      });
    },
    async supersededBy(accountId) {
      const r = await pool.query('SELECT new_account_id FROM superseded_accounts WHERE account_id = $1', [accountId]);
      return r.rows.length ? String(r.rows[0].new_account_id) : null;
    },
    async isRevoked(device) {
      return (await pool.query('SELECT 1 FROM revoked_devices WHERE device_key = $1', [device])).rows.length > 0;
    },
    async accountsOf(deviceIds) {
      const r = await pool.query('SELECT device_id, account_id, listed FROM device_accounts WHERE device_id = ANY($1::text[])', [[...deviceIds]]);
      return groupAccounts((r.rows as Row[]).map((x) => ({ device: String(x.device_id), account: String(x.account_id), listed: x.listed === true })));
    },
    async setSignedPrekey(device, kind, key) {
      await pool.query(
        'INSERT INTO signed_prekeys (device_key, kind, key_id, public_key, signature) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (device_key, kind) DO UPDATE SET key_id = excluded.key_id, public_key = excluded.public_key, signature = excluded.signature',
        [device, PreKeyKind[kind], key.keyId, key.publicKey, key.signature],
      );
    },
    async addOneTimePrekeys(device, kind, keys, max) {
      return tx(async (c) => {
        await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [device]);
        for (const k of keys) {
          await c.query(
            'INSERT INTO one_time_prekeys (device_key, kind, key_id, public_key, signature) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (device_key, kind, key_id) DO UPDATE SET public_key = excluded.public_key, signature = excluded.signature',
            [device, PreKeyKind[kind], k.keyId, k.publicKey, k.signature],
          );
        }
        const r = await c.query('SELECT COUNT(*) AS n FROM one_time_prekeys WHERE device_key = $1 AND kind = $2', [device, PreKeyKind[kind]]);
        if (Number(r.rows[0].n) > max) throw new TooMany();
        return 'ok' as const;
      }).catch((e: unknown) => {
        if (e instanceof TooMany) return 'too-many' as const;
        throw e;
      });
    },
    async countPrekeys(device) {
      return countPrekeys(pool, device);
    },
    async takeBundle(accountId, deviceId, oneTime): Promise<TakenBundle | null> {
      const device = deviceKeyOf(accountId, deviceId);
      return tx(async (c) => {
        const s = await c.query('SELECT kind, key_id, public_key, signature FROM signed_prekeys WHERE device_key = $1', [device]);
        const spk = s.rows.find((r: Row) => Number(r.kind) === PreKeyKind.signedEc);
        const lrk = s.rows.find((r: Row) => Number(r.kind) === PreKeyKind.lastResortKem);
        if (!spk || !lrk) return null;
        const take = async (kind: number): Promise<WirePrekey | null> => {
          const r = await c.query(
            'DELETE FROM one_time_prekeys WHERE (device_key, kind, key_id) = (SELECT device_key, kind, key_id FROM one_time_prekeys WHERE device_key = $1 AND kind = $2 ORDER BY key_id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING key_id, public_key, signature',
            [device, kind],
          );
          return r.rows.length ? prekeyOf(r.rows[0]) : null;
        };
        const oneTimeEc = oneTime ? await take(PreKeyKind.oneTimeEc) : null;
        const oneTimeKem = oneTime ? await take(PreKeyKind.oneTimeKem) : null;
        const bundle: WireBundle = { accountId, deviceId, signedPrekey: prekeyOf(spk), lastResortKem: prekeyOf(lrk), oneTimeEc, oneTimeKem };
        return { bundle, left: await countPrekeys(c, device), consumed: oneTimeEc !== null || oneTimeKem !== null };
      });
    },
    async enqueue(items, now, expiresAt) {
      return enqueues.submit({ items, now, expiresAt });
    },
    async pending(device, limit, now, afterId = '0') {
      const r = await pool.query('SELECT id, ts, envelope FROM messages WHERE device_key = $1 AND id > $2 AND expires_at > $3 ORDER BY id LIMIT $4', [device, afterId, now, limit]);
      return r.rows.map((x: Row) => ({ id: String(x.id), ts: Number(x.ts), envelope: String(x.envelope) }));
    },
    async ack(device, ids) {
      return acks.submit({ device, ids });
    },
    async pendingCount(device, now) {
      const r = await pool.query('SELECT COUNT(*) AS n FROM messages WHERE device_key = $1 AND expires_at > $2', [device, now]);
      return Number(r.rows[0].n);
    },
    async queueDepth() {
      const r = await pool.query('SELECT COUNT(*) AS n FROM messages');
      return Number(r.rows[0].n);
    },
    async createAttachment(a) {
      await pool.query('INSERT INTO attachments (id, token_hash, size, expires_at) VALUES ($1, $2, $3, $4)', [a.id, a.tokenHash, a.size, a.expiresAt]);
    },
    async getAttachment(id) {
      const r = await pool.query('SELECT id, token_hash, size, expires_at FROM attachments WHERE id = $1', [id]);
      const x = r.rows[0] as Row | undefined;
      return x ? { id: String(x.id), tokenHash: String(x.token_hash), size: x.size === null ? null : Number(x.size), expiresAt: Number(x.expires_at) } : null;
    },
    async completeAttachment(id, size) {
      await pool.query('UPDATE attachments SET size = $1 WHERE id = $2', [size, id]);
    },
    async getBackup(id) {
      const r = await pool.query('SELECT id, auth_hash, size, updated_at FROM backups WHERE id = $1', [id]);
      const x = r.rows[0] as Row | undefined;
      return x ? { id: String(x.id), authHash: String(x.auth_hash), size: Number(x.size), updatedAt: Number(x.updated_at) } : null;
    },
    async putBackup(b) {
      await pool.query(
        'INSERT INTO backups (id, auth_hash, size, updated_at) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO UPDATE SET auth_hash = excluded.auth_hash, size = excluded.size, updated_at = excluded.updated_at',
        [b.id, b.authHash, b.size, b.updatedAt],
      );
    },
    async deleteBackup(id) {
      return ((await pool.query('DELETE FROM backups WHERE id = $1', [id])).rowCount ?? 0) > 0;
    },
    async openProvisioning(channelId, expiresAt) {
      await pool.query('INSERT INTO provisioning (channel_id, expires_at) VALUES ($1, $2)', [channelId, expiresAt]);
    },
    async postProvisioning(channelId, payload, now) {
      return tx(async (c) => {
        const r = await c.query('UPDATE provisioning SET payload = $1 WHERE channel_id = $2 AND payload IS NULL AND expires_at > $3', [payload, channelId, now]);
        if (r.rowCount === 0) return false;
        await notify(c, `p:${channelId}`);
        return true;
      });
    },
    async takeProvisioning(channelId) {
      const r = await pool.query('DELETE FROM provisioning WHERE channel_id = $1 AND payload IS NOT NULL RETURNING payload', [channelId]);
      return r.rows.length ? String(r.rows[0].payload) : null;
    },
    async purgeExpired(now) {
      await pool.query('DELETE FROM provisioning WHERE expires_at <= $1', [now]);
      const m = await pool.query('DELETE FROM messages WHERE expires_at <= $1', [now]);
      const a = await pool.query('DELETE FROM attachments WHERE expires_at <= $1 RETURNING id', [now]);
      return { messages: m.rowCount ?? 0, attachments: a.rows.map((x: Row) => String(x.id)) };
    },
    subscribe(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    async close() {
      closing = true;
      listeners.clear();
      await listener.end().catch(() => undefined);
      await pool.end();
    },
  };
}

class TooMany extends Error {}

async function countPrekeys(c: pg.Pool | pg.PoolClient, device: DeviceKey): Promise<{ oneTimeEc: number; oneTimeKem: number }> {
  const r = await c.query('SELECT kind, COUNT(*) AS n FROM one_time_prekeys WHERE device_key = $1 GROUP BY kind', [device]);
  const get = (k: number): number => Number(r.rows.find((x: Row) => Number(x.kind) === k)?.n ?? 0);
  return { oneTimeEc: get(PreKeyKind.oneTimeEc), oneTimeKem: get(PreKeyKind.oneTimeKem) };
}
