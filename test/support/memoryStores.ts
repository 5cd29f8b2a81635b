/** In-memory implementations of the engine's store interfaces (src/main/protocol/stores.ts), for tests and benchmarks. */
import {
  addressKey, type Direction, type IdentityKeyStore, type KyberPreKeyStore, type PreKeyStore, type ProtocolAddress,
  type ProtocolStores, type SessionStore, type SignedPreKeyStore,
} from '../../src/main/protocol/stores';
import { PreKeyPair } from '../../src/main/protocol/keys';
import { PreKeyKind } from '../../src/shared/wire/prekeySignature';

const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

export class MemoryIdentityStore implements IdentityKeyStore {
  readonly known = new Map<string, Uint8Array>();
  constructor(readonly own: Uint8Array) {}
  async getIdentityKeyPair(): Promise<Uint8Array> {
    return this.own;
  }
  async getIdentity(a: ProtocolAddress): Promise<Uint8Array | null> {
    return this.known.get(addressKey(a)) ?? null;
  }
  async saveIdentity(a: ProtocolAddress, key: Uint8Array): Promise<boolean> {
    const old = this.known.get(addressKey(a));
    this.known.set(addressKey(a), key.slice());
    return old !== undefined && !same(old, key);
  }
  async isTrustedIdentity(a: ProtocolAddress, key: Uint8Array, _d: Direction): Promise<boolean> {
    const old = this.known.get(addressKey(a));
    return old === undefined || same(old, key);
  }
}

export class MemorySessionStore implements SessionStore {
  readonly records = new Map<string, Uint8Array>();
  async loadSession(a: ProtocolAddress): Promise<Uint8Array | null> {
    return this.records.get(addressKey(a)) ?? null;
  }
  async storeSession(a: ProtocolAddress, record: Uint8Array): Promise<void> {
    this.records.set(addressKey(a), record);
  }
}

export class MemoryPreKeyStore implements PreKeyStore, SignedPreKeyStore, KyberPreKeyStore {
  readonly preKeys = new Map<number, Uint8Array>();
  readonly signed = new Map<number, Uint8Array>();
  readonly kyber = new Map<number, Uint8Array>();
  async loadPreKey(id: number): Promise<Uint8Array | null> {
    return this.preKeys.get(id) ?? null;
  }
  async storePreKey(id: number, r: Uint8Array): Promise<void> {
    this.preKeys.set(id, r);
  }
  async removePreKey(id: number): Promise<void> {
    this.preKeys.delete(id);
  }
  async loadSignedPreKey(id: number): Promise<Uint8Array | null> {
    return this.signed.get(id) ?? null;
  }
  async storeSignedPreKey(id: number, r: Uint8Array): Promise<void> {
    this.signed.set(id, r);
  }
  async removeSignedPreKey(id: number): Promise<void> {
    this.signed.delete(id);
  }
  async listSignedPreKeyIds(): Promise<number[]> {
    return [...this.signed.keys()];
  }
  async loadKyberPreKey(id: number): Promise<Uint8Array | null> {
    return this.kyber.get(id) ?? null;
  }
  async storeKyberPreKey(id: number, r: Uint8Array): Promise<void> {
    this.kyber.set(id, r);
  }
  async markKyberPreKeyUsed(id: number): Promise<void> {
    const r = this.kyber.get(id);
    if (r && PreKeyPair.deserialize(r).kind === PreKeyKind.oneTimeKem) this.kyber.delete(id);
  }
}

export function memoryStores(identityRecord: Uint8Array): ProtocolStores & { readonly keys: MemoryPreKeyStore; readonly ids: MemoryIdentityStore; readonly sessionMap: MemorySessionStore } {
  const keys = new MemoryPreKeyStore();
  const ids = new MemoryIdentityStore(identityRecord);
  const sessionMap = new MemorySessionStore();
  return { identity: ids, sessions: sessionMap, preKeys: keys, signedPreKeys: keys, kyberPreKeys: keys, keys, ids, sessionMap };
}
