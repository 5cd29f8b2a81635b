/**
 * Storage interfaces the ratchet engine takes, split as libsignal splits them
 * (SessionStore, IdentityKeyStore, PreKeyStore, SignedPreKeyStore,
 * KyberPreKeyStore). The engine never knows where bytes live: the SQLite
 * implementations are in src/main/store, in-memory ones in test/support.
 *
 * Records cross these interfaces as opaque, versioned byte strings produced
 * by the engine's own serializers; a store only persists them (sealed) and
 * hands them back unchanged.
 */

/** A remote (or own) device: the account it belongs to and its device id. */
export interface ProtocolAddress {
  /** Account id: unpadded base64url of the account's Ed25519 public key. */
  readonly accountId: string;
  /** Device id: unpadded base64url of the device's Ed25519 identity public key. */
  readonly deviceId: string;
}

/** The store key of an address: `accountId.deviceId`. */
export const addressKey = (a: ProtocolAddress): string => `${a.accountId}.${a.deviceId}`;

/** Whether an identity is checked for sending to or receiving from a peer. */
export type Direction = 'sending' | 'receiving';

/** Identity keys: this device's key pair and the keys seen for peers, with trust decisions. */
export interface IdentityKeyStore {
  /** This device's serialized identity key pair record. */
  getIdentityKeyPair(): Promise<Uint8Array>;
  /** The identity public key last seen for `address`, or null if none. */
  getIdentity(address: ProtocolAddress): Promise<Uint8Array | null>;
  /** Saves `identityKey`; resolves true when it replaced a different key. */
  saveIdentity(address: ProtocolAddress, identityKey: Uint8Array): Promise<boolean>;
  /** False when `identityKey` differs from a known key the user has not accepted. */
  isTrustedIdentity(address: ProtocolAddress, identityKey: Uint8Array, direction: Direction): Promise<boolean>;
}

/** Session records, one per peer device. */
export interface SessionStore {
  /** The serialized session record (current plus archived states), or null. */
  loadSession(address: ProtocolAddress): Promise<Uint8Array | null>;
  storeSession(address: ProtocolAddress, record: Uint8Array): Promise<void>;
}

/** One-time X25519 prekeys by id. */
export interface PreKeyStore {
  loadPreKey(id: number): Promise<Uint8Array | null>;
  storePreKey(id: number, record: Uint8Array): Promise<void>;
  removePreKey(id: number): Promise<void>;
}

/** Signed X25519 prekeys by id, including replaced ones in their grace period. */
export interface SignedPreKeyStore {
  loadSignedPreKey(id: number): Promise<Uint8Array | null>;
  storeSignedPreKey(id: number, record: Uint8Array): Promise<void>;
  removeSignedPreKey(id: number): Promise<void>;
  /** Every stored signed prekey id, for rotation and grace-period expiry. */
  listSignedPreKeyIds(): Promise<number[]>;
}

/** ML-KEM-768 prekeys by id: one-time ones and the last-resort one. */
export interface KyberPreKeyStore {
  loadKyberPreKey(id: number): Promise<Uint8Array | null>;
  storeKyberPreKey(id: number, record: Uint8Array): Promise<void>;
  /** One-time KEM prekeys are removed; the last-resort key is kept. */
  markKyberPreKeyUsed(id: number): Promise<void>;
}

/** The five stores the engine takes, as one set. */
export interface ProtocolStores {
  readonly identity: IdentityKeyStore;
  readonly sessions: SessionStore;
  readonly preKeys: PreKeyStore;
  readonly signedPreKeys: SignedPreKeyStore;
  readonly kyberPreKeys: KyberPreKeyStore;
}
