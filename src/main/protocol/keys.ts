/**
 * Device keys: the Ed25519 identity key (with its cached X25519 form for
 * DH), signed X25519 prekeys, one-time X25519 prekeys and ML-KEM-768
 * prekeys (last-resort and one-time), each signed by the identity key over
 * `prekeySignatureMessage` (src/shared/wire/prekeySignature.ts). Private
 * halves redact themselves in logs and JSON and are zeroed on dispose.
 */
import sodium from 'libsodium-wrappers-sumo';
import { ONE_TIME_PREKEY_BATCH } from '../../shared/constants';
import { PreKeyKind, prekeySignatureMessage } from '../../shared/wire/prekeySignature';
import { ByteReader, ByteWriter } from './codec';
import { ProtocolError } from './errors';
import { randomBytes } from './random';

const REDACTED = '[redacted]';
const RECORD_VERSION = 1;
/** Length of an X25519 public or private key. */
export const X25519_KEY_BYTES = 32;
/** Length of an ML-KEM-768 public key. */
export const MLKEM_PUBLIC_BYTES = 1184;
/** Length of an ML-KEM-768 secret key. */
export const MLKEM_SECRET_BYTES = 2400;
/** Length of an ML-KEM-768 ciphertext. */
export const MLKEM_CIPHERTEXT_BYTES = 1088;
/** Length of an Ed25519 signature. */
export const SIGNATURE_BYTES = 64;

/** A device identity key pair. `publicKey` is the Ed25519 key every peer sees; DH uses the cached X25519 forms. */
export class IdentityKeyPair {
  readonly publicKey: Uint8Array;
  #secretKey: Uint8Array;
  #xPrivate: Uint8Array;
  readonly xPublic: Uint8Array;

  constructor(secretKey: Uint8Array) {
    if (secretKey.length !== 64) throw new ProtocolError('PROTOCOL_MALFORMED', 'An Ed25519 secret key is 64 bytes.');
    this.#secretKey = secretKey;
    this.publicKey = secretKey.slice(32);
    this.#xPrivate = sodium.crypto_sign_ed25519_sk_to_curve25519(secretKey);
    this.xPublic = sodium.crypto_scalarmult_base(this.#xPrivate);
  }

  sign(message: Uint8Array): Uint8Array {
    return sodium.crypto_sign_detached(message, this.#secretKey);
  }

  /**
   * The Ed25519 secret key (libsodium layout: seed ‖ public), for signers
   * outside the engine. It is the one buffer this pair holds, not a copy:
   * dispose() erases it for every holder, and no call allocates another.
   */
  get signingSecretKey(): Uint8Array {
    return this.#secretKey;
  }

  /** X25519 with this identity's Montgomery-form private key. */
  get xPrivate(): Uint8Array {
    return this.#xPrivate;
  }

  /** The record the identity_keypair row keeps (sealed): version ‖ Ed25519 secret key (64, libsodium layout: seed ‖ public). */
  serialize(): Uint8Array {
    return new ByteWriter(65).u8(RECORD_VERSION).bytes(this.#secretKey).finish();
  }

  static deserialize(record: Uint8Array): IdentityKeyPair {
    const r = new ByteReader(record);
    if (r.u8() !== RECORD_VERSION) throw new ProtocolError('PROTOCOL_VERSION', 'Unknown identity record version.');
    const sk = r.bytes(64);
    r.end();
    return new IdentityKeyPair(sk);
  }

  dispose(): void {
    sodium.memzero(this.#secretKey);
    sodium.memzero(this.#xPrivate);
  }

  toJSON(): string {
    return REDACTED;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `IdentityKeyPair(${REDACTED})`;
  }
}

/** A device identity key from a 32-byte seed (Ed25519 seed_keypair). */
export function identityKeyFromSeed(seed: Uint8Array): IdentityKeyPair {
  if (seed.length !== 32) throw new ProtocolError('PROTOCOL_MALFORMED', 'An identity seed is 32 bytes.');
  return new IdentityKeyPair(sodium.crypto_sign_seed_keypair(seed).privateKey);
}

/** A new random device identity key; the seed is wiped after use. */
export function generateIdentityKey(): IdentityKeyPair {
  const seed = randomBytes(32);
  const id = identityKeyFromSeed(seed);
  sodium.memzero(seed);
  return id;
}

/** A prekey this device published: public half, signature, and the private half it keeps. */
export class PreKeyPair {
  readonly kind: PreKeyKind;
  readonly id: number;
  readonly createdAt: number;
  readonly publicKey: Uint8Array;
  readonly signature: Uint8Array;
  #privateKey: Uint8Array;

  constructor(kind: PreKeyKind, id: number, createdAt: number, publicKey: Uint8Array, privateKey: Uint8Array, signature: Uint8Array) {
    this.kind = kind;
    this.id = id;
    this.createdAt = createdAt;
    this.publicKey = publicKey;
    this.#privateKey = privateKey;
    this.signature = signature;
  }

  get privateKey(): Uint8Array {
    return this.#privateKey;
  }

  /** What a bundle carries for this key. */
  get signed(): SignedPublicPreKey {
    return { id: this.id, publicKey: this.publicKey, signature: this.signature };
  }

  /** version ‖ kind ‖ id u32 ‖ createdAt f64 ‖ signature 64 ‖ public ‖ private (sizes fixed by kind). */
  serialize(): Uint8Array {
    return new ByteWriter(80 + this.publicKey.length + this.#privateKey.length)
      .u8(RECORD_VERSION).u8(this.kind).u32(this.id).time(this.createdAt)
      .bytes(this.signature).bytes(this.publicKey).bytes(this.#privateKey).finish();
  }

  static deserialize(record: Uint8Array): PreKeyPair {
    const r = new ByteReader(record);
    if (r.u8() !== RECORD_VERSION) throw new ProtocolError('PROTOCOL_VERSION', 'Unknown prekey record version.');
    const kind = r.u8();
    if (kind < 1 || kind > 4) throw new ProtocolError('PROTOCOL_MALFORMED', 'Unknown prekey kind.');
    const id = r.u32();
    const createdAt = r.time();
    const signature = r.bytes(SIGNATURE_BYTES);
    const kem = kind === PreKeyKind.lastResortKem || kind === PreKeyKind.oneTimeKem;
    const publicKey = r.bytes(kem ? MLKEM_PUBLIC_BYTES : X25519_KEY_BYTES);
    const privateKey = r.bytes(kem ? MLKEM_SECRET_BYTES : X25519_KEY_BYTES);
    r.end();
    return new PreKeyPair(kind as PreKeyKind, id, createdAt, publicKey, privateKey, signature);
  }

  dispose(): void {
    sodium.memzero(this.#privateKey);
  }

  toJSON(): unknown {
    return { kind: this.kind, id: this.id, privateKey: REDACTED };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `PreKeyPair(kind=${this.kind}, id=${this.id}, ${REDACTED})`;
  }
}

/** A prekey's public half as published: its id, public key and the identity key's signature. */
export interface SignedPublicPreKey {
  readonly id: number;
  readonly publicKey: Uint8Array;
  readonly signature: Uint8Array;
}

function checkId(id: number): void {
  if (!Number.isInteger(id) || id < 1 || id > 0xffffffff) throw new ProtocolError('PROTOCOL_MALFORMED', 'A prekey id is 1..2^32-1.');
}

function makeEc(identity: IdentityKeyPair, kind: PreKeyKind, id: number, now: number): PreKeyPair {
  checkId(id);
  const priv = randomBytes(32);
  const pub = sodium.crypto_scalarmult_base(priv);
  return new PreKeyPair(kind, id, now, pub, priv, identity.sign(prekeySignatureMessage(kind, id, pub)));
}

function makeKem(identity: IdentityKeyPair, kind: PreKeyKind, id: number, now: number): PreKeyPair {
  checkId(id);
  const seed = randomBytes(64);
  const kp = sodium.crypto_kem_mlkem768_seed_keypair(seed);
  sodium.memzero(seed);
  return new PreKeyPair(kind, id, now, kp.publicKey, kp.privateKey, identity.sign(prekeySignatureMessage(kind, id, kp.publicKey)));
}

/** A new signed X25519 prekey with id `id`, signed by `identity`. */
export const generateSignedPreKey = (identity: IdentityKeyPair, id: number, now = Date.now()): PreKeyPair =>
  makeEc(identity, PreKeyKind.signedEc, id, now);

/** A new ML-KEM-768 last-resort prekey with id `id`, signed by `identity`. */
export const generateLastResortKemPreKey = (identity: IdentityKeyPair, id: number, now = Date.now()): PreKeyPair =>
  makeKem(identity, PreKeyKind.lastResortKem, id, now);

/** `count` (default ONE_TIME_PREKEY_BATCH) one-time X25519 prekeys with ids startId, startId+1, … */
export function generateOneTimePreKeys(identity: IdentityKeyPair, startId: number, count = ONE_TIME_PREKEY_BATCH, now = Date.now()): PreKeyPair[] {
  return Array.from({ length: count }, (_, i) => makeEc(identity, PreKeyKind.oneTimeEc, startId + i, now));
}

/** `count` (default ONE_TIME_PREKEY_BATCH) one-time ML-KEM-768 prekeys with ids startId, startId+1, … */
export function generateOneTimeKemPreKeys(identity: IdentityKeyPair, startId: number, count = ONE_TIME_PREKEY_BATCH, now = Date.now()): PreKeyPair[] {
  return Array.from({ length: count }, (_, i) => makeKem(identity, PreKeyKind.oneTimeKem, startId + i, now));
}

/** Strict Ed25519 verification (libsodium rejects non-canonical and small-order encodings). */
export function verifyEd25519(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== SIGNATURE_BYTES) return false;
  try {
    return sodium.crypto_sign_verify_detached(signature, message, publicKey);
  } catch {
    return false;
  }
}

/** True when `signature` is the identity key's signature over this prekey. */
export const verifyPreKeySignature = (identityKey: Uint8Array, kind: PreKeyKind, key: SignedPublicPreKey): boolean =>
  verifyEd25519(identityKey, prekeySignatureMessage(kind, key.id, key.publicKey), key.signature);

/** Throws PROTOCOL_BAD_SIGNATURE unless `signature` is the identity key's signature over this prekey. */
export function requirePreKeySignature(identityKey: Uint8Array, kind: PreKeyKind, key: SignedPublicPreKey): void {
  if (!verifyPreKeySignature(identityKey, kind, key)) {
    throw new ProtocolError('PROTOCOL_BAD_SIGNATURE', `The signature on prekey kind ${kind} id ${key.id} does not verify.`);
  }
}
