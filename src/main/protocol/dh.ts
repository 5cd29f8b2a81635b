/**
 * X25519 and the AEAD, with typed failures: a public key that is the wrong
 * length, invalid, or of low order (all-zero shared secret, which libsodium
 * refuses) gives PROTOCOL_INVALID_KEY. Key pairs come from pool seeds.
 */
import sodium from 'libsodium-wrappers-sumo';
import { IDENTITY_X25519_CACHE_SIZE } from '../../shared/constants';
import { toBase64Url } from '../../shared/wire/encoding';
import { ProtocolError } from './errors';
import { randomBytes } from './random';
import { scalarmult, scalarmultBase, xchachaDecrypt, xchachaEncrypt } from './sodiumDirect';

/** An X25519 key pair (32-byte public and private keys). */
export interface X25519KeyPair {
  readonly publicKey: Uint8Array;
  readonly privateKey: Uint8Array;
}

/** A fresh X25519 key pair from the engine's random pool. */
export function generateX25519(): X25519KeyPair {
  const privateKey = randomBytes(32);
  return { privateKey, publicKey: scalarmultBase(privateKey) };
}

/** The X25519 shared secret; throws PROTOCOL_INVALID_KEY for a wrong-length or low-order public key. */
export function x25519(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  if (publicKey.length !== 32) throw new ProtocolError('PROTOCOL_INVALID_KEY', 'An X25519 public key is 32 bytes.');
  const out = scalarmult(privateKey, publicKey);
  if (!out) throw new ProtocolError('PROTOCOL_INVALID_KEY', 'The peer key is of low order.');
  return out;
}

/** Recently used peer identity keys (base64url) → X25519 form; public values only, insertion-ordered for LRU. */
const xCache = new Map<string, Uint8Array>();

/** Ed25519 public key to its X25519 (Montgomery) form; rejects invalid and small-order points. Cached. */
export function edPublicToX25519(edPublicKey: Uint8Array): Uint8Array {
  if (edPublicKey.length !== 32) throw new ProtocolError('PROTOCOL_INVALID_KEY', 'An identity key is 32 bytes.');
  const id = toBase64Url(edPublicKey);
  const hit = xCache.get(id);
  if (hit) {
    xCache.delete(id);
    xCache.set(id, hit);
    return hit.slice();
  }
  let x: Uint8Array;
  try {
    x = sodium.crypto_sign_ed25519_pk_to_curve25519(edPublicKey);
  } catch {
    throw new ProtocolError('PROTOCOL_INVALID_KEY', 'The identity key is not a valid Ed25519 point.');
  }
  if (xCache.size >= IDENTITY_X25519_CACHE_SIZE) xCache.delete(xCache.keys().next().value!);
  xCache.set(id, x.slice());
  return x;
}

/** Length of the AEAD authentication tag. */
export const AEAD_TAG_BYTES = 16;
/** Length of an XChaCha20-Poly1305 nonce. */
export const NONCE_BYTES = 24;

/** XChaCha20-Poly1305 with AD = ad ‖ ad2. */
export const aeadEncrypt = xchachaEncrypt;
/** Null when authentication fails. */
export const aeadDecrypt = xchachaDecrypt;
