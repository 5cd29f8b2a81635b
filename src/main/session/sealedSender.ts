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
 * only their ratchet message vouches for the sender.
 */
import sodium from 'libsodium-wrappers-sumo';
import { ephemeralX25519, privateKeyObject, x25519Native } from '../crypto/nativeX25519';
import { hkdfBlock, xchachaDecrypt, xchachaEncrypt } from '../protocol/sodiumDirect';
import { ParleyError } from '../../shared/errors';
import { concatBytes, toBase64Url, utf8Bytes } from '../../shared/wire/encoding';
import { SEALED_STATIC_CACHE_ENTRIES } from '../../shared/constants';

const V1 = 0x01;
const V2 = 0x02;
const INFO_V1 = utf8Bytes('Parley-v1 sealed sender');
const INFO_SENDER = utf8Bytes('Parley-v2 sealed sender');
const INFO_BODY = utf8Bytes('Parley-v2 sealed body');
const NONCE = new Uint8Array(24);
/** Length of the sender layer c1: two 32-byte keys and the AEAD tag. */
const C1_BYTES = 64 + 16;

/** Why a sealed envelope could not be opened: malformed, or it failed to decrypt or authenticate. */
export type SealedErrorCode = 'SEALED_MALFORMED' | 'SEALED_DECRYPT_FAILED';
/** Why an envelope could not be opened (its sender is unknown, so nothing else can be said). */
export class SealedSenderError extends ParleyError<SealedErrorCode> {}

/** What the sealed payload holds: an initial or normal ratchet message, or plaintext content (retry requests only). */
export const EnvelopeKind = { prekey: 1, message: 2, plaintext: 3 } as const;
/** One of EnvelopeKind's values. */
export type EnvelopeKind = (typeof EnvelopeKind)[keyof typeof EnvelopeKind];
const KINDS: ReadonlySet<number> = new Set(Object.values(EnvelopeKind));

/** What the recipient does if the payload does not decrypt: placeholder and retry (a text), retry only, or nothing (typing). */
export const ContentHint = { placeholder: 0, retry: 1, none: 2 } as const;
/** One of ContentHint's values. */
export type ContentHint = (typeof ContentHint)[keyof typeof ContentHint];
const HINTS: ReadonlySet<number> = new Set(Object.values(ContentHint));

/** An opened envelope. `authenticated` is true when the static layer proved the sender device key (version 2). */
export interface Unsealed {
  readonly senderAccountKey: Uint8Array;
  readonly senderDeviceKey: Uint8Array;
  readonly kind: EnvelopeKind;
  readonly message: Uint8Array;
  readonly authenticated: boolean;
  /** Version 2 only; version 1 envelopes carry no hint (ContentHint.none: they are never repaired). */
  readonly hint: ContentHint;
}

/** The sending device: its account and device (Ed25519) keys, and the device key's X25519 private form. */
export interface SealSender {
  readonly accountKey: Uint8Array;
  readonly deviceKey: Uint8Array;
  readonly x25519PrivateKey: Uint8Array;
}

/** HKDF-SHA256, one 32-byte block, on the direct libsodium path (no per-call key objects). */
const hkdf = (ikm: Uint8Array, salt: Uint8Array, info: Uint8Array): Uint8Array => hkdfBlock(salt, ikm, info);

function aeadOpen(ct: Uint8Array, ad: Uint8Array, k: Uint8Array, ad2?: Uint8Array): Uint8Array {
  const out = xchachaDecrypt(k, NONCE, ct, ad, ad2);
  sodium.memzero(k);
  if (!out) throw new SealedSenderError('SEALED_DECRYPT_FAILED', 'The envelope could not be opened.');
  return out;
}

function dh(priv: Uint8Array, pub: Uint8Array): Uint8Array {
  try {
    return sodium.crypto_scalarmult(priv, pub);
  } catch {
    throw new SealedSenderError('SEALED_DECRYPT_FAILED', 'The envelope could not be opened.');
  }
}

/** The per-envelope ephemeral DH on native X25519 (see crypto/nativeX25519.ts); refuses low-order keys as `dh` does. */
function ephemeralDh(priv: Parameters<typeof x25519Native>[0], pub: Uint8Array): Uint8Array {
  const out = x25519Native(priv, pub);
  if (!out) throw new SealedSenderError('SEALED_DECRYPT_FAILED', 'The envelope could not be opened.');
  return out;
}

/**
 * The static layer's per-pair values, by (own device key, peer device key):
 * the peer's X25519 form and s = X25519(own, peer). Both depend only on the
 * two long-term keys, and computing them costs two of the three scalar
 * multiplications of an open (the Ed25519 → X25519 conversion checks the
 * point), so a catch-up from few senders pays them once per sender. s is
 * derivable from the identity key this process already holds; entries are
 * zeroed when evicted or forgotten.
 */
const statics = new Map<string, { readonly peer: Uint8Array; readonly s: Uint8Array }>();

function staticPair(ownKey: Uint8Array, ownPrivate: Uint8Array, peerDeviceKey: Uint8Array): { readonly peer: Uint8Array; readonly s: Uint8Array } {
  const id = `${toBase64Url(ownKey)}.${toBase64Url(peerDeviceKey)}`;
  const hit = statics.get(id);
  if (hit) return hit;
  let peer: Uint8Array;
  try {
    peer = sodium.crypto_sign_ed25519_pk_to_curve25519(peerDeviceKey);
  } catch {
    throw new SealedSenderError('SEALED_MALFORMED', 'The envelope names a malformed device key.');
  }
  const entry = { peer, s: dh(ownPrivate, peer) };
  if (statics.size >= SEALED_STATIC_CACHE_ENTRIES) {
    const [oldest, old] = statics.entries().next().value!;
    sodium.memzero(old.s);
    statics.delete(oldest);
  }
  statics.set(id, entry);
  return entry;
}

/** Zeroes and forgets every cached static-layer value (a profile closes or is wiped). */
export function forgetSealedStatics(): void {
  for (const e of statics.values()) sodium.memzero(e.s);
  statics.clear();
}

/** Seals `message` to the recipient device (`recipientDeviceKey`, its Ed25519 identity public key), authenticated as `sender`. */
export function seal(recipientDeviceKey: Uint8Array, sender: SealSender, kind: EnvelopeKind, message: Uint8Array, hint: ContentHint = ContentHint.placeholder): Uint8Array {
  const pair = staticPair(sender.deviceKey, sender.x25519PrivateKey, recipientDeviceKey);
  const R = pair.peer;
  const eph = ephemeralX25519();
  const E = eph.publicKey;
  const e1 = ephemeralDh(eph.privateKey, R);
  const head = concatBytes(new Uint8Array([V2]), E);
  const k1 = hkdf(e1, concatBytes(E, R), INFO_SENDER);
  const c1 = xchachaEncrypt(k1, NONCE, concatBytes(sender.accountKey, sender.deviceKey), head, R);
  sodium.memzero(k1);
  const ikm = concatBytes(e1, pair.s);
  sodium.memzero(e1);
  const k2 = hkdf(ikm, concatBytes(E, R, c1), INFO_BODY);
  sodium.memzero(ikm);
  const c2 = xchachaEncrypt(k2, NONCE, concatBytes(new Uint8Array([kind, hint]), message), head, concatBytes(R, c1));
  sodium.memzero(k2);
  return concatBytes(head, c1, c2);
}

/** Opens an envelope with this device's identity key pair in X25519 form. */
export function unseal(sealed: Uint8Array, own: { publicKey: Uint8Array; privateKey: Uint8Array }): Unsealed {
  if (sealed.length >= 1 + 32 + 16 + 65 && sealed[0] === V1) return unsealV1(sealed, own);
  if (sealed.length < 1 + 32 + C1_BYTES + 16 + 2 || sealed[0] !== V2) {
    throw new SealedSenderError('SEALED_MALFORMED', 'The envelope is not a sealed Parley message.');
  }
  const head = sealed.subarray(0, 33);
  const E = sealed.subarray(1, 33);
  const c1 = sealed.subarray(33, 33 + C1_BYTES);
  const e1 = ephemeralDh(privateKeyObject(own.privateKey), E);
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
  const kind = inner[0]!;
  const hint = inner[1];
  if (!KINDS.has(kind) || hint === undefined || !HINTS.has(hint)) throw new SealedSenderError('SEALED_MALFORMED', 'The envelope carries an unknown message kind or hint.');
  return { senderAccountKey: keys.slice(0, 32), senderDeviceKey, kind: kind as EnvelopeKind, message: inner.slice(2), authenticated: true, hint: hint as ContentHint };
}

/** Version 1 (ephemeral layer only): the claimed sender is a hint that only the ratchet message can confirm. */
function unsealV1(sealed: Uint8Array, own: { publicKey: Uint8Array; privateKey: Uint8Array }): Unsealed {
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
