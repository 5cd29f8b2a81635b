/**
 * What every sealed-envelope version shares (sealedSender.ts: one envelope
 * per device, versions 1 and 2; multiSeal.ts: one upload for many devices,
 * version 4): the envelope kinds and content hints, the typed error, the
 * HKDF and AEAD helpers with their zero nonce (every key is single-use), and
 * the cache of per-pair static values (the peer's X25519 key and the static
 * DH s = X25519(own, peer)).
 */
import sodium from 'libsodium-wrappers-sumo';
import type { KeyObject } from 'node:crypto';
import { publicKeyObject, x25519Native } from '../crypto/nativeX25519';
import { hkdfBlock, xchachaDecrypt, xchachaEncrypt, xchachaEncryptInto } from '../protocol/sodiumDirect';
import { ParleyError } from '../../shared/errors';
import { toBase64Url } from '../../shared/wire/encoding';
import { SEALED_STATIC_CACHE_ENTRIES } from '../../shared/constants';

/** Smallest version 2 envelope: version, E, the sender layer (two keys and a tag), a tag, kind and hint. */
export const V2_MIN_BYTES = 1 + 32 + 64 + 16 + 16 + 2;

/** The zero nonce: every sealed-envelope key is derived fresh for one message. */
export const NONCE = new Uint8Array(24);

/** Why a sealed envelope could not be opened: malformed, or it failed to decrypt or authenticate. */
export type SealedErrorCode = 'SEALED_MALFORMED' | 'SEALED_DECRYPT_FAILED';
/** Why an envelope could not be opened (its sender is unknown, so nothing else can be said). */
export class SealedSenderError extends ParleyError<SealedErrorCode> {}

/**
 * What the sealed payload holds: an initial or normal ratchet message,
 * plaintext content (retry requests only), or a group (sender-key) message,
 * which the group layer opens (a `groupMessage` content, docs/protocol.md §8).
 */
export const EnvelopeKind = { prekey: 1, message: 2, plaintext: 3, senderKey: 4 } as const;
/** One of EnvelopeKind's values. */
export type EnvelopeKind = (typeof EnvelopeKind)[keyof typeof EnvelopeKind];
/** Every kind a version 2 or 3 envelope may carry. */
export const KINDS: ReadonlySet<number> = new Set(Object.values(EnvelopeKind));

/** What the recipient does if the payload does not decrypt: placeholder and retry (a text), retry only, or nothing (typing). */
export const ContentHint = { placeholder: 0, retry: 1, none: 2 } as const;
/** One of ContentHint's values. */
export type ContentHint = (typeof ContentHint)[keyof typeof ContentHint];
/** Every hint an envelope may carry. */
export const HINTS: ReadonlySet<number> = new Set(Object.values(ContentHint));

/** An opened envelope. `authenticated` is true when the static layer proved the sender device key (versions 2 and 3). */
export interface Unsealed {
  readonly senderAccountKey: Uint8Array;
  readonly senderDeviceKey: Uint8Array;
  readonly kind: EnvelopeKind;
  readonly message: Uint8Array;
  readonly authenticated: boolean;
  /** Versions 2 and 3; version 1 envelopes carry no hint (ContentHint.none: they are never repaired). */
  readonly hint: ContentHint;
}

/** The sending device: its account and device (Ed25519) keys, and the device key's X25519 private form. */
export interface SealSender {
  readonly accountKey: Uint8Array;
  readonly deviceKey: Uint8Array;
  readonly x25519PrivateKey: Uint8Array;
}

/** This device's identity key pair in X25519 form (what opens an envelope). */
export interface SealOwnKeys {
  readonly publicKey: Uint8Array;
  readonly privateKey: Uint8Array;
}

/** HKDF-SHA256 (RFC 5869), one 32-byte block, on the direct libsodium path (no per-call key objects). */
export function hkdf(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array): Uint8Array {
  return hkdfBlock(salt, ikm, info);
}

/** Opens an AEAD box under a single-use key (zeroed after); the associated data is `ad ‖ ad2`; any failure is SEALED_DECRYPT_FAILED. */
export function aeadOpen(ct: Uint8Array, ad: Uint8Array, k: Uint8Array, ad2?: Uint8Array): Uint8Array {
  const out = xchachaDecrypt(k, NONCE, ct, ad, ad2);
  sodium.memzero(k);
  if (!out) throw new SealedSenderError('SEALED_DECRYPT_FAILED', 'The envelope could not be opened.');
  return out;
}

/** Seals under a single-use key (zeroed after); the associated data is `ad ‖ ad2`. */
export function aeadSeal(plain: Uint8Array, ad: Uint8Array, k: Uint8Array, ad2?: Uint8Array): Uint8Array {
  const out = xchachaEncrypt(k, NONCE, plain, ad, ad2);
  sodium.memzero(k);
  return out;
}

/** aeadSeal of parts[0] ‖ parts[1] ‖ … written into `out` at `at` (Σ|parts| + 16 bytes); the key is zeroed after. */
export function aeadSealInto(out: Uint8Array, at: number, parts: readonly Uint8Array[], ad: Uint8Array, k: Uint8Array): void {
  xchachaEncryptInto(out, at, k, NONCE, ad, parts);
  sodium.memzero(k);
}

/** The per-envelope ephemeral DH on native X25519 (see crypto/nativeX25519.ts); refuses low-order keys as `dh` does. */
export function ephemeralDh(priv: Parameters<typeof x25519Native>[0], pub: Parameters<typeof x25519Native>[1]): Uint8Array {
  const out = x25519Native(priv, pub);
  if (!out) throw new SealedSenderError('SEALED_DECRYPT_FAILED', 'The envelope could not be opened.');
  return out;
}

/** X25519; a low-order point is SEALED_DECRYPT_FAILED. */
export function dh(priv: Uint8Array, pub: Uint8Array): Uint8Array {
  try {
    return sodium.crypto_scalarmult(priv, pub);
  } catch {
    throw new SealedSenderError('SEALED_DECRYPT_FAILED', 'The envelope could not be opened.');
  }
}

/** The kind and hint bytes an opened version 2 or 3 envelope starts its payload with, checked. */
export function kindAndHint(kind: number | undefined, hint: number | undefined): { kind: EnvelopeKind; hint: ContentHint } {
  if (kind === undefined || !KINDS.has(kind) || hint === undefined || !HINTS.has(hint)) throw new SealedSenderError('SEALED_MALFORMED', 'The envelope carries an unknown message kind or hint.');
  return { kind: kind as EnvelopeKind, hint: hint as ContentHint };
}

/** One cached pair: the peer's X25519 key (also as a node:crypto public KeyObject, null if refused) and s = X25519(own, peer). */
export interface StaticPair {
  readonly peer: Uint8Array;
  readonly peerKey: KeyObject | null;
  readonly s: Uint8Array;
}

/**
 * The static layer's per-pair values, by (own device key, peer device key).
 * Both depend only on the two long-term keys, and computing them costs two
 * scalar multiplications (the Ed25519 → X25519 conversion checks the
 * point), so a catch-up from few senders, or a send to the same group,
 * pays them once per peer. The peer's public KeyObject (public only) saves
 * a seal made on the main thread its import (≈ 10 µs). s is derivable from the identity key this
 * process already holds; entries are zeroed when evicted or forgotten.
 */
const statics = new Map<string, StaticPair>();

/** The cached static values for (own device, peer device); a malformed peer key is SEALED_MALFORMED. `peerId`: the peer key's base64url, if the caller has it. */
export function staticPair(ownKey: Uint8Array, ownPrivate: Uint8Array, peerDeviceKey: Uint8Array, peerId = toBase64Url(peerDeviceKey)): StaticPair {
  const id = `${toBase64Url(ownKey)}.${peerId}`;
  const hit = statics.get(id);
  if (hit) return hit;
  let peer: Uint8Array;
  try {
    peer = sodium.crypto_sign_ed25519_pk_to_curve25519(peerDeviceKey);
  } catch {
    throw new SealedSenderError('SEALED_MALFORMED', 'The envelope names a malformed device key.');
  }
  const entry = { peer, peerKey: publicKeyObject(peer), s: dh(ownPrivate, peer) };
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
