/**
 * The engine's records on SQLite: this device's identity, the identity keys
 * seen for peer devices, session records and private prekeys. Records stay
 * opaque; every private one is sealed with its table and row id as AD.
 * Every method is synchronous, so the receive and send paths commit the
 * engine's output (src/main/protocol/session.ts) inside one better-sqlite3
 * transaction. The tests' in-memory equivalent is test/support/memoryStores.ts.
 */
import { PreKeyPair } from '../protocol/keys';
import { addressKey, type ProtocolAddress } from '../protocol/address';
import { PreKeyKind } from '../../shared/wire/prekeySignature';
import { prep, type SqliteDatabase } from './database';
import { StoreError } from './errors';
import type { Sealer } from './seal';

/** Whether the user verified a contact's key, and whether it changed since. */
export type TrustState = 'unverified' | 'verified' | 'changed';
/** The prekey table's kinds: one-time X25519, signed X25519, and ML-KEM (last-resort and one-time share ids). */
export type PreKeyTable = 'ec' | 'signed' | 'kem';

const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** The engine's records on SQLite, read and written synchronously so callers can commit inside one transaction. */
export class SqliteProtocolStores {
  constructor(private readonly db: SqliteDatabase, private readonly sealer: Sealer, private readonly clock: () => number = Date.now) {}

  // ── identity ──
  setIdentityKeyPairSync(record: Uint8Array): void {
    prep(this.db, 'INSERT OR REPLACE INTO identity_keypair (id, record) VALUES (1, ?)').run(this.sealer.seal('identity_keypair', '1', record));
  }
  getIdentityKeyPairSync(): Uint8Array {
    const row = prep(this.db, 'SELECT record FROM identity_keypair WHERE id = 1').get() as { record: Uint8Array } | undefined;
    if (!row) throw new StoreError('STORE_BAD_INPUT', 'This store has no identity key yet.');
    return this.sealer.open('identity_keypair', '1', row.record);
  }
  getIdentitySync(a: ProtocolAddress): { key: Uint8Array; trust: TrustState } | null {
    const row = prep(this.db, 'SELECT identity_key AS key, trust FROM contact_devices WHERE address = ?').get(addressKey(a)) as
      { key: Uint8Array; trust: TrustState } | undefined;
    return row ? { key: new Uint8Array(row.key), trust: row.trust } : null;
  }
  /** Saves a device's identity key; a different key than before sets trust to 'changed' and returns true. */
  saveIdentitySync(a: ProtocolAddress, key: Uint8Array): boolean {
    const old = this.getIdentitySync(a);
    if (old && same(old.key, key)) return false;
    const trust: TrustState = old ? 'changed' : 'unverified';
    prep(this.db, `INSERT INTO contact_devices (address, account_id, device_id, identity_key, trust, updated_at) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT(address) DO UPDATE SET identity_key = excluded.identity_key, trust = excluded.trust, updated_at = excluded.updated_at`)
      .run(addressKey(a), a.accountId, a.deviceId, key, trust, this.clock());
    return old !== null;
  }
  setTrustSync(a: ProtocolAddress, trust: TrustState): void {
    const r = prep(this.db, 'UPDATE contact_devices SET trust = ?, updated_at = ? WHERE address = ?').run(trust, this.clock(), addressKey(a));
    if (r.changes === 0) throw new StoreError('STORE_BAD_INPUT', 'No such contact device.');
  }

  // ── sessions ──
  /** Session writes, deletes and archivings so far (SessionLayer.holdRecords checks that none came while it held records). */
  #sessionWrites = 0;
  get sessionWrites(): number {
    return this.#sessionWrites;
  }

  /** Records written during `batchSessions`, by address: sealed and stored once each when it ends. */
  #held: Map<string, Uint8Array> | null = null;

  /**
   * Runs `fn` (inside the caller's transaction) with session writes held in
   * memory and written once per device when it returns: a batch of N
   * messages with one device seals and writes its record once, not N times.
   * Reads see the held records. If `fn` throws, the held records are
   * dropped, so the caller's transaction must roll back then too (the
   * savepoint-free first pass of transactionEach). Sessions deleted by
   * address through this class leave the hold as well.
   */
  batchSessions<T>(fn: () => T): T {
    if (this.#held) return fn();
    if (!this.db.inTransaction) throw new StoreError('STORE_BAD_INPUT', 'Session writes are held only inside a transaction.');
    const held = new Map<string, Uint8Array>();
    this.#held = held;
    try {
      const out = fn();
      for (const [k, record] of held) this.#write(k, record);
      return out;
    } finally {
      this.#held = null;
    }
  }

  loadSessionSync(a: ProtocolAddress): Uint8Array | null {
    const k = addressKey(a);
    const held = this.#held?.get(k);
    if (held) return held.slice();
    const row = prep(this.db, 'SELECT record FROM sessions WHERE address = ?').get(k) as { record: Uint8Array } | undefined;
    return row ? this.sealer.open('sessions', k, row.record) : null;
  }
  /** Forgets the session with a device (it left its account's signed list). */
  deleteSessionSync(a: ProtocolAddress): void {
    this.#sessionWrites++;
    this.#held?.delete(addressKey(a));
    prep(this.db, 'DELETE FROM sessions WHERE address = ?').run(addressKey(a));
  }
  /** Forgets the sessions with every device outside `accountId` (this account switched keys: accountMoves.ts). */
  deleteSessionsExceptAccountSync(accountId: string): void {
    this.#sessionWrites++;
    if (this.#held) for (const k of this.#held.keys()) if (!k.startsWith(`${accountId}.`)) this.#held.delete(k);
    prep(this.db, 'DELETE FROM sessions WHERE substr(address, 1, ?) != ?').run(accountId.length + 1, `${accountId}.`);
  }
  storeSessionSync(a: ProtocolAddress, record: Uint8Array): void {
    this.#sessionWrites++;
    const k = addressKey(a);
    if (this.#held) this.#held.set(k, record.slice());
    else this.#write(k, record);
  }
  #write(k: string, record: Uint8Array): void {
    prep(this.db, 'INSERT OR REPLACE INTO sessions (address, record, updated_at) VALUES (?, ?, ?)')
      .run(k, this.sealer.seal('sessions', k, record), this.clock());
  }
  /** Moves a whole session record aside (identity change); the archived copy stays sealed. */
  archiveSessionSync(a: ProtocolAddress): void {
    this.#sessionWrites++;
    const k = addressKey(a);
    this.db.transaction(() => {
      const rec = this.loadSessionSync(a);
      if (!rec) return;
      const id = (prep(this.db, 'SELECT coalesce(max(rowid), 0) + 1 AS n FROM archived_sessions').get() as { n: number }).n;
      prep(this.db, 'INSERT INTO archived_sessions (rowid, address, record, archived_at) VALUES (?, ?, ?, ?)')
        .run(id, k, this.sealer.seal('archived_sessions', String(id), rec), this.clock());
      prep(this.db, 'DELETE FROM sessions WHERE address = ?').run(k);
      this.#held?.delete(k);
    })();
  }

  // ── prekeys ──
  private load(kind: PreKeyTable, id: number): Uint8Array | null {
    const row = prep(this.db, 'SELECT record FROM prekeys WHERE kind = ? AND id = ?').get(kind, id) as { record: Uint8Array } | undefined;
    return row ? this.sealer.open('prekeys', `${kind}.${id}`, row.record) : null;
  }
  private store(kind: PreKeyTable, id: number, record: Uint8Array): void {
    if (!Number.isSafeInteger(id) || id < 0) throw new StoreError('STORE_BAD_INPUT', 'A prekey id is a non-negative integer.');
    prep(this.db, 'INSERT OR REPLACE INTO prekeys (kind, id, record) VALUES (?, ?, ?)').run(kind, id, this.sealer.seal('prekeys', `${kind}.${id}`, record));
  }
  private remove(kind: PreKeyTable, id: number): void {
    prep(this.db, 'DELETE FROM prekeys WHERE kind = ? AND id = ?').run(kind, id);
  }
  /** Stores (sealed) a private prekey record in any table; upkeep commits these inside its ledger transaction. */
  putPreKeyRecordSync(table: PreKeyTable, id: number, record: Uint8Array): void {
    this.store(table, id, record);
  }
  /** Erases a private prekey record (grace period over); secure_delete overwrites the freed page. */
  erasePreKeyRecordSync(table: PreKeyTable, id: number): void {
    this.remove(table, id);
  }
  loadPreKeySync = (id: number): Uint8Array | null => this.load('ec', id);
  loadSignedPreKeySync = (id: number): Uint8Array | null => this.load('signed', id);
  loadKyberPreKeySync = (id: number): Uint8Array | null => this.load('kem', id);
  removePreKeySync = (id: number): void => this.remove('ec', id);
  markKyberPreKeyUsedSync(id: number): void {
    const r = this.load('kem', id);
    if (!r) return;
    const k = PreKeyPair.deserialize(r);
    const oneTime = k.kind === PreKeyKind.oneTimeKem;
    k.dispose();
    if (oneTime) this.remove('kem', id);
  }
}
