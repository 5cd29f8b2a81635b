/**
 * The engine's key derivation functions (docs/protocol.md §2.3):
 * HMAC-SHA256, HKDF-SHA256 (RFC 5869), the Double Ratchet's KDF_RK
 * (root step, also yielding the next header key) and KDF_CK (chain step,
 * HMAC with distinct one-byte constants). Nonces are not derived: they are
 * random per message (ratchet.ts), so a rolled-back state never repeats one.
 */
import sodium from 'libsodium-wrappers-sumo';
import { concatBytes, utf8Bytes } from '../../shared/wire/encoding';
import { hasDirect, hkdf32, hmac32, hmac32Constants } from './sodiumDirect';

/** Info string of the session-setup HKDF: names Parley and the suite. */
export const PQXDH_INFO = utf8Bytes('Parley_PQXDH_X25519_SHA-256_ML-KEM-768_XChaCha20-Poly1305_v1');
/** Info string of the root-key step KDF_RK. */
export const ROOT_INFO = utf8Bytes('Parley_DoubleRatchet_Root_v1');

/** KDF_CK constants: message key, next chain key (0x03, the former nonce constant, is retired). */
const KDF_CK_CONSTANTS = [0x01, 0x02] as const;

let kdfCalls = 0;
/** How many KDF_RK / KDF_CK / HKDF invocations ran in this process: lets tests prove a rejection did no KDF work. */
export const kdfInvocations = (): number => kdfCalls;

/** HMAC-SHA256 of `message` under `key` (a fast path for 32-byte keys). */
export function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  if (key.length === 32) return hmac32(key, message);
  const st = sodium.crypto_auth_hmacsha256_init(key);
  sodium.crypto_auth_hmacsha256_update(st, message);
  return sodium.crypto_auth_hmacsha256_final(st);
}

/** HKDF-Extract (RFC 5869): the pseudorandom key from `salt` (all zeros when empty) and `ikm`. */
export function hkdfExtract(salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return hmacSha256(salt.length === 0 ? new Uint8Array(32) : salt, ikm);
}

/** HKDF-Expand (RFC 5869): `length` bytes (at most 8160) from `prk` and `info`. */
export function hkdfExpand(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  if (length > 255 * 32) throw new RangeError('HKDF output too long');
  const out = new Uint8Array(length);
  let prev: Uint8Array = new Uint8Array(0);
  for (let i = 1, off = 0; off < length; i++) {
    prev = hmacSha256(prk, concatBytes(prev, info, new Uint8Array([i])));
    out.set(prev.subarray(0, Math.min(32, length - off)), off);
    off += 32;
  }
  sodium.memzero(prev);
  return out;
}

/** HKDF-SHA256 (RFC 5869): extract then expand; counted in kdfInvocations. */
export function hkdf(salt: Uint8Array, ikm: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  kdfCalls++;
  if (salt.length === 32 && length <= 255 * 32 && hasDirect()) return hkdf32(salt, ikm, info, length);
  const prk = hkdfExtract(salt, ikm);
  const out = hkdfExpand(prk, info, length);
  sodium.memzero(prk);
  return out;
}

/** The outputs of one KDF_RK step: the new root key, chain key and next header key. */
export interface RootStep {
  readonly rootKey: Uint8Array;
  readonly chainKey: Uint8Array;
  readonly nextHeaderKey: Uint8Array;
}

/** KDF_RK: HKDF(salt = root key, ikm = DH output, info = ROOT_INFO, 96) split as RK ‖ CK ‖ NHK. */
export function kdfRk(rootKey: Uint8Array, dhOut: Uint8Array): RootStep {
  const out = hkdf(rootKey, dhOut, ROOT_INFO, 96);
  return { rootKey: out.subarray(0, 32), chainKey: out.subarray(32, 64), nextHeaderKey: out.subarray(64, 96) };
}

/** One KDF_CK step: this message's key and the chain key after it (the nonce is random, not part of the step). */
export interface ChainStep {
  readonly messageKey: Uint8Array;
  readonly nextChainKey: Uint8Array;
}

/** KDF_CK: MK = HMAC(CK, 0x01), CK' = HMAC(CK, 0x02). */
export function kdfCk(chainKey: Uint8Array): ChainStep {
  kdfCalls++;
  const [messageKey, nextChainKey] = hmac32Constants(chainKey, KDF_CK_CONSTANTS) as [Uint8Array, Uint8Array];
  return { messageKey, nextChainKey };
}
