/**
 * X25519 on node:crypto (OpenSSL or BoringSSL, native) for sealed sender's
 * per-envelope Diffie–Hellman: ≈ 40 µs for a DH against libsodium's wasm
 * build's 80–100 µs on this machine (bench:app). Same bytes as
 * crypto_scalarmult (RFC 7748, private key clamped, top bit of the public
 * key ignored); an all-zero shared secret (a low-order public key) is
 * refused as libsodium refuses it. Checked against the Wycheproof X25519
 * vectors (test/vectors/protocol-primitives.test.ts).
 *
 * Public keys go in as JWK: node:crypto parses DER SubjectPublicKeyInfo
 * ~10× slower than a JWK for these 32-byte keys. A private key is turned
 * into a KeyObject once (PKCS#8) and reused while its bytes are the same
 * array; the ratchet engine keeps libsodium (its DH is not per envelope).
 */
import { createPrivateKey, createPublicKey, diffieHellman, type KeyObject } from 'node:crypto';
import { randomBytes } from '../protocol/random';
import { fromBase64Url, toBase64Url } from '../../shared/wire/encoding';

/** PKCS#8 prefix of an X25519 private key (RFC 8410): the 32 key bytes follow. */
const PKCS8_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex');

/** Private KeyObjects of long-lived keys (this device's identity), by the array holding their bytes. */
const privateObjects = new WeakMap<Uint8Array, KeyObject>();

/** The node:crypto form of a 32-byte X25519 private key; cached while `privateKey` is the same (unchanged) array. */
export function privateKeyObject(privateKey: Uint8Array): KeyObject {
  const hit = privateObjects.get(privateKey);
  if (hit) return hit;
  const der = Buffer.concat([PKCS8_X25519, privateKey]);
  const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  der.fill(0);
  privateObjects.set(privateKey, key);
  return key;
}

/** Forgets the cached KeyObject of a private key about to be zeroed or replaced. */
export function forgetPrivateKeyObject(privateKey: Uint8Array): void {
  privateObjects.delete(privateKey);
}

/** The node:crypto form of a 32-byte X25519 public key (≈ 10 µs: worth keeping for a key used again, as a recipient's); null if refused. */
export function publicKeyObject(publicKey: Uint8Array): KeyObject | null {
  if (publicKey.length !== 32) return null;
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: toBase64Url(publicKey) }, format: 'jwk' });
  } catch {
    return null;
  }
}

/** X25519(private, public); null for a wrong-length or refused public key or an all-zero result (low-order point). */
export function x25519Native(privateKey: KeyObject, publicKey: Uint8Array | KeyObject): Uint8Array | null {
  const pub = publicKey instanceof Uint8Array ? publicKeyObject(publicKey) : publicKey;
  if (!pub) return null;
  let shared: Buffer;
  try {
    shared = diffieHellman({ privateKey, publicKey: pub });
  } catch {
    return null; // OpenSSL refuses an all-zero shared secret itself
  }
  let zero = 0;
  for (const b of shared) zero |= b;
  const out = new Uint8Array(shared);
  shared.fill(0);
  return zero === 0 ? null : out;
}

/**
 * A fresh ephemeral key pair from node:crypto: its public key's bytes and
 * the private KeyObject (never exported). Not from generateKeyPairSync: on
 * Node 20 its job's destructor, run by a garbage collection that lands in
 * an export of the same key (which holds the key's lock while it allocates),
 * takes that lock again and freezes the thread for good (seen in bench:app,
 * reproduced in a loop; gdb: ~KeyGenJob → uv_mutex_lock inside
 * ExportJWKEdKey). A random scalar imported as JWK (`x` is not read for a
 * private key) involves no job; the import derives the public key itself
 * (fixed-base), which createPublicKey reads back: ≈ 58 µs a pair, where a
 * second X25519 with the base point cost ≈ 100 µs (measured 2026-12-03,
 * Node 20, this 2-core machine).
 */
export function ephemeralX25519(): { readonly publicKey: Uint8Array; readonly privateKey: KeyObject } {
  const d = randomBytes(32); // the engine's pool (its own call cost ≈ 12 µs); the copy is zeroed below, the pool's bytes were
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: toBase64Url(d), x: '' }, format: 'jwk' });
  } finally {
    d.fill(0);
  }
  const publicKey = fromBase64Url(createPublicKey(privateKey).export({ format: 'jwk' }).x ?? '');
  if (publicKey?.length !== 32) throw new Error('node:crypto returned a malformed X25519 public key');
  return { publicKey, privateKey };
}
