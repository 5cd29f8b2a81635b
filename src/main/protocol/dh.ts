/**
 * X25519 and the AEAD, with typed failures: a public key that is the wrong
 * length, invalid, or of low order (all-zero shared secret, which libsodium
 * refuses) gives PROTOCOL_INVALID_KEY. Key pairs come from pool seeds.
 */
import sodium from 'libsodium-wrappers-sumo';
import { ProtocolError } from './errors';
import { randomBytes } from './random';
import { xchachaDecrypt, xchachaEncrypt } from './sodiumDirect';

export interface X25519KeyPair {
  readonly publicKey: Uint8Array;
  readonly privateKey: Uint8Array;
}

export function generateX25519(): X25519KeyPair {
  const privateKey = randomBytes(32);
  return { privateKey, publicKey: sodium.crypto_scalarmult_base(privateKey) };
}

export function x25519(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  if (publicKey.length !== 32) throw new ProtocolError('PROTOCOL_INVALID_KEY', 'An X25519 public key is 32 bytes.');
  try {
    return sodium.crypto_scalarmult(privateKey, publicKey);
  } catch {
    throw new ProtocolError('PROTOCOL_INVALID_KEY', 'The peer key is of low order.');
  }
}

/** Ed25519 public key to its X25519 (Montgomery) form; rejects invalid and small-order points. */
export function edPublicToX25519(edPublicKey: Uint8Array): Uint8Array {
  if (edPublicKey.length !== 32) throw new ProtocolError('PROTOCOL_INVALID_KEY', 'An identity key is 32 bytes.');
  try {
    return sodium.crypto_sign_ed25519_pk_to_curve25519(edPublicKey);
  } catch {
    throw new ProtocolError('PROTOCOL_INVALID_KEY', 'The identity key is not a valid Ed25519 point.');
  }
}

export const AEAD_TAG_BYTES = 16;
export const NONCE_BYTES = 24;

/** XChaCha20-Poly1305 with AD = ad ‖ ad2. */
export const aeadEncrypt = xchachaEncrypt;
/** Null when authentication fails. */
export const aeadDecrypt = xchachaDecrypt;
