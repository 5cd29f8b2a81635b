/**
 * Session setup: X3DH extended with an ML-KEM-768 encapsulation as in
 * PQXDH. Both sides compute
 *
 *   SK ‖ HK_A ‖ NHK_B = HKDF(salt = 0^32, ikm = 0xFF^32 ‖ DH1 ‖ DH2 ‖ DH3 [‖ DH4] ‖ SS, info = PQXDH_INFO, 96)
 *
 * with DH1 = DH(IK_A, SPK_B), DH2 = DH(EK_A, IK_B), DH3 = DH(EK_A, SPK_B),
 * DH4 = DH(EK_A, OPK_B), SS = ML-KEM-768 shared secret. AD = Encode(IK_A) ‖ Encode(IK_B).
 */
import sodium from 'libsodium-wrappers-sumo';
import { concatBytes } from '../../shared/wire/encoding';
import { verifyBundle, type PreKeyBundle } from './bundle';
import { edPublicToX25519, generateX25519, x25519, type X25519KeyPair } from './dh';
import { ProtocolError } from './errors';
import { PQXDH_INFO, hkdf } from './kdf';
import { MLKEM_CIPHERTEXT_BYTES, type IdentityKeyPair, type PreKeyPair } from './keys';
import { randomBytes } from './random';

/** Encode(IK): key-type byte 0x01 (Ed25519) ‖ the 32-byte Ed25519 public key. Fixed length, so the concatenation is unambiguous. */
export const IDENTITY_KEY_TYPE = 0x01;
/** Encode(IK): the key-type byte, then the Ed25519 identity key. */
export function encodeIdentity(ik: Uint8Array): Uint8Array {
  const out = new Uint8Array(33);
  out[0] = IDENTITY_KEY_TYPE;
  out.set(ik, 1);
  return out;
}

/** The session's associated data: Encode(IK_A) ‖ Encode(IK_B), initiator first. */
export const sessionAd = (initiatorIk: Uint8Array, responderIk: Uint8Array): Uint8Array =>
  concatBytes(encodeIdentity(initiatorIk), encodeIdentity(responderIk));

const F = new Uint8Array(32).fill(0xff);
const ZERO_SALT = new Uint8Array(32);

/** What PQXDH yields for both sides: root key, the two first header keys and the session AD. */
export interface SharedSecrets {
  readonly rootKey: Uint8Array;
  /** HK_A: Alice's first sending header key, Bob's first next-receiving header key. */
  readonly initiatorHeaderKey: Uint8Array;
  /** NHK_B: Bob's first next-sending header key, Alice's first next-receiving header key. */
  readonly responderHeaderKey: Uint8Array;
  readonly ad: Uint8Array;
}

/** The PQXDH KDF over the DH outputs (in order DH1..DH4) and the KEM secret; wipes its inputs. */
export function pqxdhKdf(dhs: Uint8Array[], ss: Uint8Array, ad: Uint8Array): SharedSecrets {
  const ikm = concatBytes(F, ...dhs, ss);
  const out = hkdf(ZERO_SALT, ikm, PQXDH_INFO, 96);
  sodium.memzero(ikm);
  for (const d of dhs) sodium.memzero(d);
  return { rootKey: out.subarray(0, 32), initiatorHeaderKey: out.subarray(32, 64), responderHeaderKey: out.subarray(64, 96), ad };
}

/** The initiator's PQXDH result: the shared secrets plus the base key and KEM ciphertext to send in the preamble. */
export interface InitiatorResult extends SharedSecrets {
  readonly baseKey: X25519KeyPair;
  readonly kemCiphertext: Uint8Array;
}

/** Alice's side: verifies the bundle, then computes the shared secrets and the KEM ciphertext. */
export function pqxdhInitiate(own: IdentityKeyPair, bundle: PreKeyBundle): InitiatorResult {
  verifyBundle(bundle);
  const ikB = edPublicToX25519(bundle.identityKey);
  const ek = generateX25519();
  const dh = [x25519(own.xPrivate, bundle.signedPreKey.publicKey), x25519(ek.privateKey, ikB), x25519(ek.privateKey, bundle.signedPreKey.publicKey)];
  if (bundle.oneTimePreKey) dh.push(x25519(ek.privateKey, bundle.oneTimePreKey.publicKey));
  const seed = randomBytes(32);
  const kem = sodium.crypto_kem_mlkem768_enc_deterministic(bundle.kemPreKey.publicKey, seed);
  sodium.memzero(seed);
  const secrets = pqxdhKdf(dh, kem.sharedSecret, sessionAd(own.publicKey, bundle.identityKey));
  sodium.memzero(kem.sharedSecret);
  return { ...secrets, baseKey: ek, kemCiphertext: kem.ciphertext };
}

/** What the responder needs to run PQXDH: the preamble's keys and ciphertext, and its own prekeys they name. */
export interface ResponderInput {
  readonly initiatorIdentity: Uint8Array;
  readonly baseKey: Uint8Array;
  readonly kemCiphertext: Uint8Array;
  readonly signedPreKey: PreKeyPair;
  readonly oneTimePreKey: PreKeyPair | null;
  readonly kemPreKey: PreKeyPair;
}

/** Bob's side, from the fields of Alice's initial message and his own prekeys. */
export function pqxdhRespond(own: IdentityKeyPair, input: ResponderInput): SharedSecrets {
  if (input.kemCiphertext.length !== MLKEM_CIPHERTEXT_BYTES) throw new ProtocolError('PROTOCOL_MALFORMED', 'The KEM ciphertext has the wrong size.');
  const ikA = edPublicToX25519(input.initiatorIdentity);
  const spk = input.signedPreKey.privateKey;
  const dh = [x25519(spk, ikA), x25519(own.xPrivate, input.baseKey), x25519(spk, input.baseKey)];
  if (input.oneTimePreKey) dh.push(x25519(input.oneTimePreKey.privateKey, input.baseKey));
  let ss: Uint8Array;
  try {
    ss = sodium.crypto_kem_mlkem768_dec(input.kemCiphertext, input.kemPreKey.privateKey);
  } catch {
    throw new ProtocolError('PROTOCOL_MALFORMED', 'The KEM ciphertext does not decapsulate.');
  }
  const secrets = pqxdhKdf(dh, ss, sessionAd(input.initiatorIdentity, own.publicKey));
  sodium.memzero(ss);
  return secrets;
}
