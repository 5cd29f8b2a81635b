/**
 * Sealed sender: the outer layer of every envelope, so the relay never sees
 * who sent a message, while the recipient learns it authenticated. Version 2
 * (two layers, as Signal's sealed sender):
 *
 *   sealed = 0x02 ‖ E (32) ‖ c1 (80) ‖ c2
 *   e1     = X25519(e, R)                 k1 = HKDF(e1, salt = E ‖ R, "Parley-v2 sealed sender")
 *   c1     = XChaCha20-Poly1305(k1, 0²⁴, ad = 0x02 ‖ E ‖ R, senderAccountKey ‖ senderDeviceKey)
 *   s      = X25519(S, R)                 k2 = HKDF(e1 ‖ s, salt = E ‖ R ‖ c1, "Parley-v2 sealed body")
 *   c2     = XChaCha20-Poly1305(k2, 0²⁴, ad = 0x02 ‖ E ‖ R ‖ c1, kind (1) ‖ hint (1) ‖ payload)
 *
 * E is a fresh ephemeral X25519 key per envelope, so both keys are single-use
 * and a zero nonce is safe. S is the sender device's identity key (X25519
 * form of the Ed25519 key that is its device id): only that device (or the
 * recipient) can compute s, so an envelope that opens is authenticated as
 * coming from the device it names — deniably, as in Signal. That is what
 * lets the receive path tell "a listed device sent something we could not
 * decrypt" (shown, and repaired) from a forgery (dropped and counted).
 * The hint (as Signal's content hint) says what to do if the payload does
 * not decrypt: show a placeholder and ask again, only ask again, or nothing.
 * Version 1 envelopes (no static layer) still open, flagged unauthenticated:
 * only their ratchet message vouches for the sender. Version 4 (one upload
 * for many devices) is multiSeal.ts; unseal opens all three. What the
 * versions share is sealedCore.ts.
 */
import sodium from 'libsodium-wrappers-sumo';
import { privateKeyObject } from '../crypto/nativeX25519';
import { concatBytes, toBase64Url, utf8Bytes } from '../../shared/wire/encoding';
import {
  aeadOpen, aeadSeal, ContentHint, dh, EnvelopeKind, ephemeralDh, hkdf, kindAndHint, SealedSenderError, staticPair, type SealOwnKeys, type SealSender, type Unsealed,
  V2_MIN_BYTES,
} from './sealedCore';
import { freshSealKey } from './sealAhead';
import { MULTI_SEAL_VERSION, unsealMulti } from './multiSeal';
import type { OpenCache } from './openCache';

export { ContentHint, EnvelopeKind, forgetSealedStatics, SealedSenderError } from './sealedCore';
export type { SealedErrorCode, SealSender, Unsealed } from './sealedCore';

const V1 = 0x01;
const V2 = 0x02;
const INFO_V1 = utf8Bytes('Parley-v1 sealed sender');
const INFO_SENDER = utf8Bytes('Parley-v2 sealed sender');
const INFO_BODY = utf8Bytes('Parley-v2 sealed body');
/** Length of the sender layer c1: two 32-byte keys and the AEAD tag. */
const C1_BYTES = 64 + 16;

/** Seals `message` to the recipient device (`recipientDeviceKey`, its Ed25519 identity public key), authenticated as `sender`. */
export function seal(recipientDeviceKey: Uint8Array, sender: SealSender, kind: EnvelopeKind, message: Uint8Array, hint: ContentHint = ContentHint.placeholder): Uint8Array {
  const recipientId = toBase64Url(recipientDeviceKey);
  const pair = staticPair(sender.deviceKey, sender.x25519PrivateKey, recipientDeviceKey, recipientId);
  const R = pair.peer;
  // A fresh pair made ahead on the worker thread (sealAhead.ts), used once; else one made here.
  const { E, shared: e1 } = freshSealKey(pair, recipientDeviceKey, recipientId);
  const head = concatBytes(new Uint8Array([V2]), E);
  const k1 = hkdf(e1, concatBytes(E, R), INFO_SENDER);
  const c1 = aeadSeal(concatBytes(sender.accountKey, sender.deviceKey), head, k1, R);
  const ikm = concatBytes(e1, pair.s);
  sodium.memzero(e1);
  const k2 = hkdf(ikm, concatBytes(E, R, c1), INFO_BODY);
  sodium.memzero(ikm);
  const c2 = aeadSeal(concatBytes(new Uint8Array([kind, hint]), message), head, k2, concatBytes(R, c1));
  return concatBytes(head, c1, c2);
}

/**
 * Opens an envelope with this device's identity key pair in X25519 form.
 * `ahead` is X25519(own, E) when the worker computed it already
 * (sealAhead.ts; null: it refused E as low-order); undefined computes it here.
 * `cache` keeps version 4 epochs' opening values (openCache.ts).
 */
export function unseal(sealed: Uint8Array, own: SealOwnKeys, ahead?: Uint8Array | null, cache?: OpenCache): Unsealed {
  if (sealed.length >= 1 + 32 + 16 + 65 && sealed[0] === V1) return unsealV1(sealed, own);
  if (sealed[0] === MULTI_SEAL_VERSION) return unsealMulti(sealed, own, cache);
  if (sealed.length < V2_MIN_BYTES || sealed[0] !== V2) {
    throw new SealedSenderError('SEALED_MALFORMED', 'The envelope is not a sealed Parley message.');
  }
  const head = sealed.subarray(0, 33);
  const E = sealed.subarray(1, 33);
  const c1 = sealed.subarray(33, 33 + C1_BYTES);
  if (ahead === null) throw new SealedSenderError('SEALED_DECRYPT_FAILED', 'The envelope could not be opened.');
  const e1 = ahead ?? ephemeralDh(privateKeyObject(own.privateKey), E);
  const keys = aeadOpen(c1, head, hkdf(e1, concatBytes(E, own.publicKey), INFO_SENDER), own.publicKey);
  const senderDeviceKey = keys.slice(32, 64);
  let s: Uint8Array;
  try {
    s = staticPair(own.publicKey, own.privateKey, senderDeviceKey).s;
  } catch (e) {
    sodium.memzero(e1);
    throw e;
  }
  const ikm = concatBytes(e1, s);
  sodium.memzero(e1);
  const inner = aeadOpen(sealed.subarray(33 + C1_BYTES), head, hkdf(ikm, concatBytes(E, own.publicKey, c1), INFO_BODY), concatBytes(own.publicKey, c1));
  sodium.memzero(ikm);
  const { kind, hint } = kindAndHint(inner[0], inner[1]);
  return { senderAccountKey: keys.slice(0, 32), senderDeviceKey, kind, message: inner.slice(2), authenticated: true, hint };
}

/** Version 1 (ephemeral layer only): the claimed sender is a hint that only the ratchet message can confirm. */
function unsealV1(sealed: Uint8Array, own: SealOwnKeys): Unsealed {
  const E = sealed.subarray(1, 33);
  const shared = dh(own.privateKey, E);
  const k = hkdf(shared, concatBytes(E, own.publicKey), INFO_V1);
  sodium.memzero(shared);
  const inner = aeadOpen(sealed.subarray(33), concatBytes(new Uint8Array([V1]), E, own.publicKey), k);
  const kind = inner[64];
  if (kind !== EnvelopeKind.prekey && kind !== EnvelopeKind.message) {
    throw new SealedSenderError('SEALED_MALFORMED', 'The envelope carries an unknown message kind.');
  }
  return { senderAccountKey: inner.slice(0, 32), senderDeviceKey: inner.slice(32, 64), kind, message: inner.slice(65), authenticated: false, hint: ContentHint.none };
}
