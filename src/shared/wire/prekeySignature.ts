/**
 * What a device's identity key signs for each prekey it publishes. The relay
 * checks these signatures on upload and clients check them again before use,
 * so both sides must build exactly the same bytes:
 *
 *   "Parley-PreKey-v1" ‖ kind (1 byte) ‖ keyId (u32 big-endian) ‖ publicKey
 *
 * The kind byte keeps a signature over one kind of key from being replayed
 * as a signature over another.
 */
import { concatBytes, u32be, utf8Bytes } from './encoding';

/** Domain-separation prefix of prekey signatures. */
export const PREKEY_SIGNATURE_CONTEXT = 'Parley-PreKey-v1';

/** The kinds of signed prekey, each a distinct byte in the signed message. */
export const PreKeyKind = {
  /** Signed X25519 prekey (SPK), rotated every 30 days. */
  signedEc: 0x01,
  /** One-time X25519 prekey (OPK). */
  oneTimeEc: 0x02,
  /** ML-KEM-768 last-resort prekey (PQSPK). */
  lastResortKem: 0x03,
  /** One-time ML-KEM-768 prekey (PQOPK). */
  oneTimeKem: 0x04,
} as const;
export type PreKeyKind = (typeof PreKeyKind)[keyof typeof PreKeyKind];

/** The bytes a device's identity key signs for one prekey: context, kind, key id and public key. */
export function prekeySignatureMessage(kind: PreKeyKind, keyId: number, publicKey: Uint8Array): Uint8Array {
  return concatBytes(utf8Bytes(PREKEY_SIGNATURE_CONTEXT), new Uint8Array([kind]), u32be(keyId), publicKey);
}
