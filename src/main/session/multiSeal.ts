/**
 * Version 4 sealed envelopes: one upload for many devices (docs/protocol.md
 * §4.1.1). The payload is encrypted once under a random key M; each
 * recipient device gets an 80-byte entry that wraps M to it and proves the
 * sender device to it. The relay splices each entry's key part into the
 * shared part (src/shared/wire/multiSend.ts), so every mailbox still holds
 * an envelope sealed to its device:
 *
 *   e, E       the scope's epoch key pair; wrap_i, auth_i its entry keys for R_i (sealEpochs.ts)
 *   N          16 random bytes per upload
 *   K          = BLAKE2b-256(key = M, "Parley-v4 shared body" ‖ E ‖ N)
 *   shared     = 0x04 ‖ E (32) ‖ N (16) ‖ XChaCha20-Poly1305(K, 0²⁴, ad = 0x04 ‖ E ‖ N, senderAccountKey ‖ senderDeviceKey ‖ kind ‖ hint ‖ payload)
 *   w_i        = M ⊕ BLAKE2b-256(key = wrap_i, "Parley-v4 key wrap" ‖ N)
 *   t_i        = BLAKE2b-128(key = auth_i, "Parley-v4 sender auth" ‖ w_i ‖ SHA-256(shared))
 *   entry      = deviceId_i (32) ‖ w_i (32) ‖ t_i (16)
 *   envelope_i = 0x04 ‖ w_i ‖ t_i ‖ E ‖ N ‖ body
 *
 * Keyed BLAKE2b (RFC 7693) is the one KDF and MAC of this version: a PRF
 * keyed with its secret, one call per derived value, on the direct
 * libsodium path. Per recipient a warm upload costs two of them; the
 * epoch's X25519 was paid once. Every wrap key meets each salt N once (N is fresh
 * randomness, so no (key, input) pair repeats even if state is rolled
 * back), and M and K are fresh per upload, so the zero nonce is safe.
 * The recipient derives wrap_i and auth_i itself (one DH per epoch: the
 * DH and wrap key are kept per epoch key in openCache.ts), unwraps M, opens the body (which names the sender
 * device), then checks t_i with auth_i, which needs s_i: only the sender
 * device (or the recipient) can compute it, so an envelope that opens is
 * authenticated as from the device it names, deniably, as version 2. t_i
 * covers w_i and the whole shared part, so another recipient, who also
 * knows M, cannot hand a member a different body under the sender's name.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import sodium from 'libsodium-wrappers-sumo';
import { concatBytes, utf8Bytes } from '../../shared/wire/encoding';
import {
  DEVICE_KEY_BYTES, MULTI_ENTRY_BYTES, MULTI_KEY_PART_BYTES, MULTI_SALT_BYTES, MULTI_SEAL_VERSION, MULTI_SHARED_MIN_BYTES,
} from '../../shared/wire/multiSend';
import { privateKeyObject } from '../crypto/nativeX25519';
import { keyedHash, keyedHashInto } from '../protocol/sodiumDirect';
import { randomBytes, randomInto } from '../protocol/random';
import {
  aeadOpen, aeadSeal, aeadSealInto, ContentHint, ephemeralDh, kindAndHint, SealedSenderError, staticPair, type EnvelopeKind, type SealOwnKeys, type SealSender, type Unsealed,
} from './sealedCore';
import { authKey, wrapKey, type EntryKeys, type SealEpochs } from './sealEpochs';
import type { OpenCache, OpenEntry } from './openCache';

export { MULTI_SEAL_VERSION } from '../../shared/wire/multiSend';

const INFO_BODY = utf8Bytes('Parley-v4 shared body');
const INFO_WRAP = utf8Bytes('Parley-v4 key wrap');
const INFO_AUTH = utf8Bytes('Parley-v4 sender auth');
const TAG_BYTES = 16;
const HEAD = new Uint8Array([MULTI_SEAL_VERSION]);

/** One upload's sealed parts: the shared part and one entry per recipient device, in the order asked. */
export interface MultiSealed {
  readonly shared: Uint8Array;
  readonly entries: readonly Uint8Array[];
}

const bodyKey = (M: Uint8Array, E: Uint8Array, N: Uint8Array): Uint8Array => keyedHash(M, 32, INFO_BODY, E, N);
const sha256 = (...parts: Uint8Array[]): Uint8Array => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

/**
 * Seals `message` once for every device in `recipientDeviceKeys` (their
 * Ed25519 identity public keys), authenticated as `sender`, with the
 * entry keys of `scope`'s epoch in `epochs` (a group id: each scope has its
 * own epoch, so its key is known only to that scope's devices).
 */
export function sealMulti(
  epochs: SealEpochs, scope: string, recipientDeviceKeys: readonly Uint8Array[], sender: SealSender, kind: EnvelopeKind, message: Uint8Array, hint: ContentHint = ContentHint.placeholder,
): MultiSealed {
  const { E, keys } = epochs.upload(scope, sender, recipientDeviceKeys);
  return sealUpload(E, keys, recipientDeviceKeys, sender, kind, message, hint);
}

/**
 * One version 4 envelope for one device, as the relay would splice it from
 * a one-entry upload, sealed with entry keys the caller holds under `E`
 * (sealBurst.ts: one send turn's envelopes to one device share them).
 */
export function sealOne(E: Uint8Array, keys: EntryKeys, sender: SealSender, kind: EnvelopeKind, message: Uint8Array, hint: ContentHint): Uint8Array {
  const env = new Uint8Array(ONE_BODY_AT + 66 + message.length + TAG_BYTES);
  randomInto(env, ONE_SALT_AT, MULTI_SALT_BYTES);
  return sealOneUnder(env, randomBytes(32), E, keys, sender, kind, message, hint);
}

/** Where the parts of a one-device envelope start: 0x04 ‖ w (32) ‖ t (16) ‖ E (32) ‖ N (16) ‖ body; the shared part is read from t's last byte on. */
const ONE_HEAD_AT = MULTI_KEY_PART_BYTES;
const ONE_SALT_AT = 1 + MULTI_KEY_PART_BYTES + 32;
const ONE_BODY_AT = ONE_SALT_AT + MULTI_SALT_BYTES;

/**
 * sealOne into `env` (sized for `message`, N already at ONE_SALT_AT) under
 * M, which is zeroed after: the bytes spliceEnvelope(sealUpload(…)) gives for
 * the same N and M (test/unit/session/multiSeal.test.ts), built in place.
 * The shared part 0x04 ‖ E ‖ N ‖ body is the envelope's tail once the byte
 * before E holds 0x04, so the body's associated data and SHA-256(shared)
 * are read from the envelope itself; t is written over that byte last.
 */
export function sealOneUnder(env: Uint8Array, M: Uint8Array, E: Uint8Array, keys: EntryKeys, sender: SealSender, kind: EnvelopeKind, message: Uint8Array, hint: ContentHint): Uint8Array {
  const N = env.subarray(ONE_SALT_AT, ONE_BODY_AT);
  env[0] = MULTI_SEAL_VERSION;
  env[ONE_HEAD_AT] = MULTI_SEAL_VERSION;
  env.set(E, ONE_HEAD_AT + 1);
  const shared = env.subarray(ONE_HEAD_AT);
  aeadSealInto(env, ONE_BODY_AT, [sender.accountKey, sender.deviceKey, new Uint8Array([kind, hint]), message], shared.subarray(0, ONE_BODY_AT - ONE_HEAD_AT), bodyKey(M, E, N));
  const h = sha256(shared);
  const w = env.subarray(1, 1 + 32);
  keyedHashInto(w, 0, keys.wrap, 32, [INFO_WRAP, N]);
  for (let j = 0; j < 32; j++) w[j]! ^= M[j]!;
  keyedHashInto(env, 1 + 32, keys.auth, TAG_BYTES, [INFO_AUTH, w, h]);
  sodium.memzero(M);
  return env;
}

/**
 * The shared part under N and M (fresh randomness unless given: the tests
 * give them), and one entry per recipient with its entry keys under E.
 */
export function sealUpload(
  E: Uint8Array, keys: readonly EntryKeys[], recipientDeviceKeys: readonly Uint8Array[], sender: SealSender, kind: EnvelopeKind, message: Uint8Array, hint: ContentHint,
  N = randomBytes(MULTI_SALT_BYTES), M = randomBytes(32),
): MultiSealed {
  const head = concatBytes(HEAD, E, N);
  const shared = concatBytes(head, aeadSeal(concatBytes(sender.accountKey, sender.deviceKey, new Uint8Array([kind, hint]), message), head, bodyKey(M, E, N)));
  const h = sha256(shared);
  const out = new Uint8Array(keys.length * MULTI_ENTRY_BYTES);
  const entries = keys.map((k, i) => {
    const at = i * MULTI_ENTRY_BYTES;
    out.set(recipientDeviceKeys[i]!, at);
    const mask = keyedHash(k.wrap, 32, INFO_WRAP, N);
    for (let j = 0; j < 32; j++) out[at + DEVICE_KEY_BYTES + j] = M[j]! ^ mask[j]!;
    sodium.memzero(mask);
    const w = out.subarray(at + DEVICE_KEY_BYTES, at + DEVICE_KEY_BYTES + 32);
    out.set(keyedHash(k.auth, TAG_BYTES, INFO_AUTH, w, h), at + DEVICE_KEY_BYTES + 32);
    return out.subarray(at, at + MULTI_ENTRY_BYTES);
  });
  sodium.memzero(M);
  return { shared, entries };
}

/**
 * Opens a version 4 envelope (as the relay spliced it) with this device's
 * identity key pair in X25519 form. With `cache`, the epoch's DH and wrap key
 * are taken from it when kept and kept in it once the envelope authenticates.
 */
export function unsealMulti(sealed: Uint8Array, own: SealOwnKeys, cache?: OpenCache): Unsealed {
  if (sealed.length < MULTI_SHARED_MIN_BYTES + MULTI_KEY_PART_BYTES || sealed[0] !== MULTI_SEAL_VERSION) {
    throw new SealedSenderError('SEALED_MALFORMED', 'The envelope is not a sealed Parley message.');
  }
  const w = sealed.subarray(1, 33);
  const t = sealed.subarray(33, 1 + MULTI_KEY_PART_BYTES);
  const rest = sealed.subarray(1 + MULTI_KEY_PART_BYTES);
  const E = rest.subarray(0, 32);
  const N = rest.subarray(32, 32 + MULTI_SALT_BYTES);
  const head = concatBytes(HEAD, E, N);
  const R = own.publicKey;
  const kept = cache?.find(E, R);
  const entry = kept ?? epochEntry(own, E);
  let opened = false;
  const secrets: Uint8Array[] = [];
  try {
    const mask = keyedHash(entry.wrap, 32, INFO_WRAP, N);
    const M = new Uint8Array(32);
    for (let j = 0; j < 32; j++) M[j] = w[j]! ^ mask[j]!;
    secrets.push(mask, M);
    const inner = aeadOpen(rest.subarray(32 + MULTI_SALT_BYTES), head, bodyKey(M, E, N));
    if (inner.length < 64 + 2) throw new SealedSenderError('SEALED_MALFORMED', 'The envelope is too short.');
    const senderDeviceKey = inner.slice(32, 64);
    const auth = authKey(entry.a, staticPair(R, own.privateKey, senderDeviceKey).s, E, R);
    secrets.push(auth);
    const expected = keyedHash(auth, TAG_BYTES, INFO_AUTH, w, sha256(HEAD, rest));
    if (!timingSafeEqual(expected, t)) throw new SealedSenderError('SEALED_DECRYPT_FAILED', 'The envelope could not be opened.');
    const { kind, hint } = kindAndHint(inner[64], inner[65]);
    opened = true;
    return { senderAccountKey: inner.slice(0, 32), senderDeviceKey, kind, message: inner.slice(66), authenticated: true, hint };
  } finally {
    for (const s of secrets) sodium.memzero(s);
    if (opened && cache) cache.keep(E, R, entry);
    else if (!kept) {
      sodium.memzero(entry.a);
      sodium.memzero(entry.wrap);
    }
  }
}

/** The epoch's opening values for this device: a = X25519(r, E) and the wrap key (one DH, the cost the cache saves). */
function epochEntry(own: SealOwnKeys, E: Uint8Array): OpenEntry {
  const a = ephemeralDh(privateKeyObject(own.privateKey), E);
  return { a, wrap: wrapKey(a, E, own.publicKey) };
}
