/**
 * The engine's records in memory, for tests and benchmarks: the same
 * synchronous methods the app's SQLite store has (SqliteProtocolStores in
 * src/main/store), over plain maps the tests can inspect and change. This
 * is libsignal's split: SQLite in main, in-memory here.
 */
import { addressKey, type ProtocolAddress } from '../../src/main/protocol/address';
import { PreKeyPair } from '../../src/main/protocol/keys';
import type { PreKeyTable, SqliteProtocolStores, TrustState } from '../../src/main/store/protocolStores';
import { PreKeyKind } from '../../src/shared/wire/prekeySignature';

/** The record methods the session path uses; SqliteProtocolStores has them, and so does MemoryProtocolStore. */
export type ProtocolRecords = Pick<
  SqliteProtocolStores,
  | 'getIdentityKeyPairSync' | 'setIdentityKeyPairSync' | 'getIdentitySync' | 'saveIdentitySync'
  | 'loadSessionSync' | 'storeSessionSync'
  | 'putPreKeyRecordSync' | 'loadPreKeySync' | 'loadSignedPreKeySync' | 'loadKyberPreKeySync' | 'removePreKeySync' | 'markKyberPreKeyUsedSync'
>;

const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * ProtocolRecords over maps, with the SQLite store's semantics (trust on
 * identity change, one-time KEM keys removed when used). Records are kept
 * by reference, as the engine never changes bytes it is handed.
 */
export class MemoryProtocolStore implements ProtocolRecords {
  #identity: Uint8Array | null = null;
  /** Peer identity keys by `accountId.deviceId`. */
  readonly identities = new Map<string, { key: Uint8Array; trust: TrustState }>();
  /** Session records by `accountId.deviceId`. */
  readonly sessions = new Map<string, Uint8Array>();
  /** Private prekey records by table and id. */
  readonly prekeys: Record<PreKeyTable, Map<number, Uint8Array>> = { ec: new Map(), signed: new Map(), kem: new Map() };

  setIdentityKeyPairSync(record: Uint8Array): void {
    this.#identity = record.slice();
  }
  getIdentityKeyPairSync(): Uint8Array {
    if (!this.#identity) throw new Error('This store has no identity key yet.');
    return this.#identity.slice();
  }
  getIdentitySync(a: ProtocolAddress): { key: Uint8Array; trust: TrustState } | null {
    const row = this.identities.get(addressKey(a));
    return row ? { key: row.key.slice(), trust: row.trust } : null;
  }
  saveIdentitySync(a: ProtocolAddress, key: Uint8Array): boolean {
    const old = this.identities.get(addressKey(a));
    if (old && same(old.key, key)) return false;
    this.identities.set(addressKey(a), { key: key.slice(), trust: old ? 'changed' : 'unverified' });
    return old !== undefined;
  }
  loadSessionSync(a: ProtocolAddress): Uint8Array | null {
    return this.sessions.get(addressKey(a)) ?? null;
  }
  storeSessionSync(a: ProtocolAddress, record: Uint8Array): void {
    this.sessions.set(addressKey(a), record);
  }
  putPreKeyRecordSync(table: PreKeyTable, id: number, record: Uint8Array): void {
    this.prekeys[table].set(id, record);
  }
  loadPreKeySync = (id: number): Uint8Array | null => this.prekeys.ec.get(id) ?? null;
  loadSignedPreKeySync = (id: number): Uint8Array | null => this.prekeys.signed.get(id) ?? null;
  loadKyberPreKeySync = (id: number): Uint8Array | null => this.prekeys.kem.get(id) ?? null;
  removePreKeySync = (id: number): void => void this.prekeys.ec.delete(id);
  markKyberPreKeyUsedSync(id: number): void {
    const r = this.prekeys.kem.get(id);
    if (!r) return;
    const k = PreKeyPair.deserialize(r);
    const oneTime = k.kind === PreKeyKind.oneTimeKem;
    k.dispose();
    if (oneTime) this.prekeys.kem.delete(id);
  }
}
