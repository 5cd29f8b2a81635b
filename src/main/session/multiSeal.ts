/**
 * Version 3 sealed envelopes: one upload for many devices (docs/protocol.md
 * §4.1.1). The payload is encrypted once under a random key M; each
 * recipient device gets an 80-byte entry that wraps M to it and proves the
 * sender device to it. The relay splices each entry's key part into the
 * shared part (src/shared/wire/multiSend.ts), so every mailbox still holds
 * an envelope sealed to its device:
 *
 *   e, E   one ephemeral X25519 key pair per upload (not per recipient)
 *   K      = HMAC-SHA256(M, "Parley-v3 shared body" ‖ E)
 *   shared = 0x03 ‖ E (32) ‖ XChaCha20-Poly1305(K, 0²⁴, ad = 0x03 ‖ E, senderAccountKey ‖ senderDeviceKey ‖ kind ‖ hint ‖ payload)
 *   a_i    = X25519(e, R_i)              s_i = X25519(S, R_i)   (cached per pair, as in version 2)
 *   w_i    = M ⊕ HMAC-SHA256(a_i, "Parley-v3 key wrap" ‖ E ‖ R_i)
 *   t_i    = HMAC-SHA256(a_i ‖ s_i, "Parley-v3 sender auth" ‖ E ‖ R_i ‖ w_i ‖ SHA-256(shared))[0..16]
 *   entry  = deviceId_i (32) ‖ w_i (32) ‖ t_i (16)
 *   envelope_i = 0x03 ‖ w_i ‖ t_i ‖ E ‖ body
 *
 * HMAC keyed with the secret (as HKDF-Expand is with its PRK) is the KDF:
 * one call per derived value instead of HKDF's two, since a DH output used
 * once as a PRF key needs no separate extract step here (the same
 * dual-PRF use of HMAC as the TLS 1.3 key schedule).
 * The recipient unwraps M with a_i, opens the body (which names the sender
 * device), then checks t_i with s_i: only the sender device (or the
 * recipient) can compute s_i, so an envelope that opens is authenticated as
 * from the device it names, deniably, as version 2. t_i covers the whole
 * shared part, so another recipient, who also knows M, cannot hand a
 * member a different body under the sender's name. Per recipient the sender
 * pays one X25519 (native, on a cached key object) and two HMACs; the
 * shared part is encrypted and hashed once.
 */
import { createHash, createHmac, createPublicKey, diffieHellman, generateKeyPairSync, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import sodium from 'libsodium-wrappers-sumo';
import { SEALED_STATIC_CACHE_ENTRIES } from '../../shared/constants';
import { concatBytes, fromBase64Url, toBase64Url, utf8Bytes } from '../../shared/wire/encoding';
import { DEVICE_KEY_BYTES, MULTI_ENTRY_BYTES, MULTI_KEY_PART_BYTES, MULTI_SEAL_VERSION, MULTI_SHARED_MIN_BYTES } from '../../shared/wire/multiSend';
import {
  aeadOpen, aeadSeal, ContentHint, dh, kindAndHint, SealedSenderError, staticPair, type EnvelopeKind, type SealOwnKeys, type SealSender, type Unsealed,
} from './sealedCore';

export { MULTI_SEAL_VERSION } from '../../shared/wire/multiSend';

const INFO_BODY = utf8Bytes('Parley-v3 shared body');
const INFO_WRAP = utf8Bytes('Parley-v3 key wrap');
const INFO_AUTH = utf8Bytes('Parley-v3 sender auth');
const TAG_BYTES = 16;
const HEAD = new Uint8Array([MULTI_SEAL_VERSION]);

/** One upload's sealed parts: the shared part and one entry per recipient device, in the order asked. */
export interface MultiSealed {
  readonly shared: Uint8Array;
  readonly entries: readonly Uint8Array[];
}

/** Recipients' X25519 keys as node:crypto key objects (importing one costs a third of the DH), bounded like the static cache. */
const keyObjects = new Map<string, KeyObject>();

function peerKeyObject(peer: Uint8Array): KeyObject {
  const x = toBase64Url(peer);
  const hit = keyObjects.get(x);
  if (hit) return hit;
  const k = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x }, format: 'jwk' });
  if (keyObjects.size >= SEALED_STATIC_CACHE_ENTRIES) keyObjects.delete(keyObjects.keys().next().value!);
  keyObjects.set(x, k);
  return k;
}

function xor32(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

/** HMAC-SHA256(key, info ‖ parts…), one call. */
function prf(key: Uint8Array, info: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  const h = createHmac('sha256', key).update(info);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

function authTag(a: Uint8Array, s: Uint8Array, E: Uint8Array, R: Uint8Array, w: Uint8Array, sharedHash: Uint8Array): Uint8Array {
  const key = concatBytes(a, s);
  const tag = prf(key, INFO_AUTH, E, R, w, sharedHash).subarray(0, TAG_BYTES);
  sodium.memzero(key);
  return tag;
}

/**
 * Seals `message` once for every device in `recipientDeviceKeys` (their
 * Ed25519 identity public keys), authenticated as `sender`.
 */
export function sealMulti(recipientDeviceKeys: readonly Uint8Array[], sender: SealSender, kind: EnvelopeKind, message: Uint8Array, hint: ContentHint = ContentHint.placeholder): MultiSealed {
  const M = new Uint8Array(randomBytes(32));
  const eph = generateKeyPairSync('x25519');
  const E = fromBase64Url(eph.publicKey.export({ format: 'jwk' }).x!)!;
  const body = aeadSeal(concatBytes(sender.accountKey, sender.deviceKey, new Uint8Array([kind, hint]), message), concatBytes(HEAD, E), prf(M, INFO_BODY, E));
  const shared = concatBytes(HEAD, E, body);
  const sharedHash = new Uint8Array(createHash('sha256').update(shared).digest());
  const entries = recipientDeviceKeys.map((deviceKey) => {
    const pair = staticPair(sender.deviceKey, sender.x25519PrivateKey, deviceKey);
    const a = new Uint8Array(diffieHellman({ privateKey: eph.privateKey, publicKey: peerKeyObject(pair.peer) }));
    const mask = prf(a, INFO_WRAP, E, pair.peer);
    const w = xor32(M, mask);
    sodium.memzero(mask);
    const t = authTag(a, pair.s, E, pair.peer, w, sharedHash);
    sodium.memzero(a);
    return concatBytes(deviceKey, w, t);
  });
  sodium.memzero(M);
  return { shared, entries };
}

/** Opens a version 3 envelope (as the relay spliced it) with this device's identity key pair in X25519 form. */
export function unsealMulti(sealed: Uint8Array, own: SealOwnKeys): Unsealed {
  if (sealed.length < MULTI_SHARED_MIN_BYTES + MULTI_KEY_PART_BYTES || sealed[0] !== MULTI_SEAL_VERSION) {
    throw new SealedSenderError('SEALED_MALFORMED', 'The envelope is not a sealed Parley message.');
  }
  const w = sealed.subarray(1, 33);
  const t = sealed.subarray(33, 1 + MULTI_KEY_PART_BYTES);
  const rest = sealed.subarray(1 + MULTI_KEY_PART_BYTES);
  const E = rest.subarray(0, 32);
  const shared = concatBytes(HEAD, rest);
  const a = dh(own.privateKey, E);
  const mask = prf(a, INFO_WRAP, E, own.publicKey);
  const M = xor32(w, mask);
  sodium.memzero(mask);
  const inner = (() => {
    try {
      return aeadOpen(rest.subarray(32), concatBytes(HEAD, E), prf(M, INFO_BODY, E));
    } finally {
      sodium.memzero(M);
    }
  })();
  if (inner.length < 64 + 2) {
    sodium.memzero(a);
    throw new SealedSenderError('SEALED_MALFORMED', 'The envelope is too short.');
  }
  const senderDeviceKey = inner.slice(32, 64);
  let s: Uint8Array;
  try {
    s = staticPair(own.publicKey, own.privateKey, senderDeviceKey).s;
  } catch (e) {
    sodium.memzero(a);
    throw e;
  }
  const expected = authTag(a, s, E, own.publicKey, w, new Uint8Array(createHash('sha256').update(shared).digest()));
  sodium.memzero(a);
  if (!timingSafeEqual(expected, t)) throw new SealedSenderError('SEALED_DECRYPT_FAILED', 'The envelope could not be opened.');
  const { kind, hint } = kindAndHint(inner[64], inner[65]);
  return { senderAccountKey: inner.slice(0, 32), senderDeviceKey, kind, message: inner.slice(66), authenticated: true, hint };
}

/** The device id (raw key) an entry is addressed to. */
export const entryDevice = (entry: Uint8Array): Uint8Array => entry.subarray(0, DEVICE_KEY_BYTES);
/** Entry length, for callers sizing uploads. */
export const ENTRY_BYTES = MULTI_ENTRY_BYTES;
