/**
 * Sealed sender: the outer layer of every envelope, so the relay never sees
 * who sent a message. The sender encrypts, to the recipient device's
 * identity key (its X25519 form), its own account and device keys plus the
 * ratchet message:
 *
 *   sealed = 0x01 ‖ E (32) ‖ XChaCha20-Poly1305(k, nonce = 0²⁴, ad, inner)
 *   k      = HKDF-SHA256(ikm = X25519(e, R), salt = E ‖ R, info = "Parley-v1 sealed sender", 32)
 *   ad     = 0x01 ‖ E ‖ R
 *   inner  = senderAccountKey (32) ‖ senderDeviceKey (32) ‖ kind (1) ‖ ratchet message
 *
 * E is a fresh ephemeral X25519 key per envelope, so k is single-use and a
 * zero nonce is safe. The claimed sender is only a hint for choosing the
 * session: the ratchet message itself authenticates the sender's identity
 * key, and the device must appear in the sender account's signed list.
 */
import { hkdfSync, randomBytes } from 'node:crypto';
import sodium from 'libsodium-wrappers-sumo';
import { ParleyError } from '../../shared/errors';
import { concatBytes, utf8Bytes } from '../../shared/wire/encoding';

const VERSION = 0x01;
const INFO = utf8Bytes('Parley-v1 sealed sender');
const NONCE = new Uint8Array(24);

export type SealedErrorCode = 'SEALED_MALFORMED' | 'SEALED_DECRYPT_FAILED';
export class SealedSenderError extends ParleyError<SealedErrorCode> {}

export const EnvelopeKind = { prekey: 1, message: 2 } as const;
export type EnvelopeKind = (typeof EnvelopeKind)[keyof typeof EnvelopeKind];

export interface Unsealed {
  readonly senderAccountKey: Uint8Array;
  readonly senderDeviceKey: Uint8Array;
  readonly kind: EnvelopeKind;
  readonly message: Uint8Array;
}

function deriveKey(shared: Uint8Array, ephemeral: Uint8Array, recipient: Uint8Array): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', shared, concatBytes(ephemeral, recipient), INFO, 32));
}

/** `recipientDeviceKey` is the recipient device's Ed25519 identity public key. */
export function seal(
  recipientDeviceKey: Uint8Array,
  sender: { accountKey: Uint8Array; deviceKey: Uint8Array },
  kind: EnvelopeKind,
  message: Uint8Array,
): Uint8Array {
  const recipient = sodium.crypto_sign_ed25519_pk_to_curve25519(recipientDeviceKey);
  const e = new Uint8Array(randomBytes(32));
  const E = sodium.crypto_scalarmult_base(e);
  const shared = sodium.crypto_scalarmult(e, recipient);
  sodium.memzero(e);
  const k = deriveKey(shared, E, recipient);
  sodium.memzero(shared);
  const inner = concatBytes(sender.accountKey, sender.deviceKey, new Uint8Array([kind]), message);
  const ad = concatBytes(new Uint8Array([VERSION]), E, recipient);
  const ct = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(inner, ad, null, NONCE, k);
  sodium.memzero(k);
  return concatBytes(new Uint8Array([VERSION]), E, ct);
}

/** `ownX25519` is this device's identity key pair in X25519 form. */
export function unseal(sealed: Uint8Array, own: { publicKey: Uint8Array; privateKey: Uint8Array }): Unsealed {
  if (sealed.length < 1 + 32 + 16 + 65 || sealed[0] !== VERSION) {
    throw new SealedSenderError('SEALED_MALFORMED', 'The envelope is not a sealed Parley message.');
  }
  const E = sealed.subarray(1, 33);
  let shared: Uint8Array;
  try {
    shared = sodium.crypto_scalarmult(own.privateKey, E);
  } catch {
    throw new SealedSenderError('SEALED_DECRYPT_FAILED', 'The envelope could not be opened.');
  }
  const k = deriveKey(shared, E, own.publicKey);
  sodium.memzero(shared);
  const ad = concatBytes(new Uint8Array([VERSION]), E, own.publicKey);
  let inner: Uint8Array;
  try {
    inner = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, sealed.subarray(33), ad, NONCE, k);
  } catch {
    throw new SealedSenderError('SEALED_DECRYPT_FAILED', 'The envelope could not be opened.');
  } finally {
    sodium.memzero(k);
  }
  const kind = inner[64];
  if (kind !== EnvelopeKind.prekey && kind !== EnvelopeKind.message) {
    throw new SealedSenderError('SEALED_MALFORMED', 'The envelope carries an unknown message kind.');
  }
  return { senderAccountKey: inner.slice(0, 32), senderDeviceKey: inner.slice(32, 64), kind, message: inner.slice(65) };
}
