/**
 * Hot-path libsodium calls (HMAC-SHA256, XChaCha20-Poly1305) made directly
 * on the wasm module that libsodium-wrappers exposes, through one reusable
 * scratch region: the wrapper's per-call allocate/copy/free costs more than
 * the primitive itself for small inputs. Scratch bytes are zeroed after
 * every call. Falls back to the wrapper when the module is not exposed.
 */
import { createHmac } from 'node:crypto';
import sodium from 'libsodium-wrappers-sumo';

interface Wasm {
  HEAPU8: Uint8Array;
  _malloc(n: number): number;
  _free(p: number): void;
  _crypto_auth_hmacsha256(out: number, m: number, mlenLo: number, mlenHi: number, k: number): number;
  _crypto_auth_hmacsha256_init(state: number, key: number, keylen: number): number;
  _crypto_auth_hmacsha256_update(state: number, m: number, mlenLo: number, mlenHi: number): number;
  _crypto_auth_hmacsha256_final(state: number, out: number): number;
  _crypto_generichash(out: number, outlen: number, m: number, mlenLo: number, mlenHi: number, k: number, keylen: number): number;
  _crypto_scalarmult(q: number, n: number, p: number): number;
  _crypto_scalarmult_base(q: number, n: number): number;
  _crypto_aead_xchacha20poly1305_ietf_encrypt(c: number, clenP: number, m: number, mlenLo: number, mlenHi: number, ad: number, adlenLo: number, adlenHi: number, nsec: number, npub: number, k: number): number;
  _crypto_aead_xchacha20poly1305_ietf_decrypt(m: number, mlenP: number, nsec: number, c: number, clenLo: number, clenHi: number, ad: number, adlenLo: number, adlenHi: number, npub: number, k: number): number;
}

let wasm: Wasm | null | undefined;
let base = 0;
let cap = 0;

function lib(): Wasm | null {
  if (wasm === undefined) {
    const l = (sodium as unknown as { libsodium?: Partial<Wasm> }).libsodium;
    const fns = ['_malloc', '_free', '_crypto_auth_hmacsha256', '_crypto_auth_hmacsha256_init', '_crypto_auth_hmacsha256_update',
      '_crypto_auth_hmacsha256_final', '_crypto_aead_xchacha20poly1305_ietf_encrypt', '_crypto_aead_xchacha20poly1305_ietf_decrypt',
      '_crypto_scalarmult', '_crypto_scalarmult_base', '_crypto_generichash'] as const;
    wasm = l && l.HEAPU8 && fns.every((f) => typeof l[f] === 'function') ? (l as Wasm) : null;
  }
  return wasm;
}

/** Whether the direct wasm path is available (else every function falls back to the wrapper). */
export const hasDirect = (): boolean => lib() !== null;

function scratch(w: Wasm, n: number): number {
  if (n > cap) {
    if (base) {
      w.HEAPU8.fill(0, base, base + cap);
      w._free(base);
    }
    cap = Math.max(n, 4096);
    base = w._malloc(cap);
    if (!base) throw new Error('libsodium scratch allocation failed');
  }
  return base;
}

/** HMAC-SHA256 with a 32-byte key. */
export function hmac32(key: Uint8Array, message: Uint8Array): Uint8Array {
  const w = lib();
  if (!w) return sodium.crypto_auth_hmacsha256(message, key);
  const p = scratch(w, 64 + message.length);
  w.HEAPU8.set(key, p);
  w.HEAPU8.set(message, p + 64);
  w._crypto_auth_hmacsha256(p + 32, p + 64, message.length, 0, p);
  const heap = w.HEAPU8;
  const out = heap.slice(p + 32, p + 64);
  heap.fill(0, p, p + 64 + message.length);
  return out;
}

/** Bytes reserved for a crypto_auth_hmacsha256_state (208 in libsodium 1.0.x), with room to spare. */
const HMAC_STATE = 512;

/**
 * HMAC-SHA256(key, [c]) for each one-byte constant c. The keyed state (inner
 * and outer pads absorbed) is computed once and copied per constant, so each
 * output costs two SHA-256 compressions instead of four.
 */
export function hmac32Constants(key: Uint8Array, constants: readonly number[]): Uint8Array[] {
  const w = lib();
  if (!w) return constants.map((c) => sodium.crypto_auth_hmacsha256(new Uint8Array([c]), key));
  const p = scratch(w, 2 * HMAC_STATE + 72);
  const keyed = p + 72;
  const st = keyed + HMAC_STATE;
  w.HEAPU8.set(key, p);
  w._crypto_auth_hmacsha256_init(keyed, p, 32);
  const out = constants.map((c) => {
    const h = w.HEAPU8;
    h.copyWithin(st, keyed, keyed + HMAC_STATE);
    h[p + 64] = c;
    w._crypto_auth_hmacsha256_update(st, p + 64, 1, 0);
    w._crypto_auth_hmacsha256_final(st, p + 32);
    return w.HEAPU8.slice(p + 32, p + 64);
  });
  w.HEAPU8.fill(0, p, st + HMAC_STATE);
  return out;
}

/**
 * Keyed BLAKE2b (RFC 7693; libsodium's crypto_generichash with a key) of
 * parts[0] ‖ parts[1] ‖ …, `outLen` bytes (16–64): the per-recipient PRF of
 * multi-recipient seals (one compression for a short input after the key block).
 */
export function keyedHash(key: Uint8Array, outLen: number, ...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(outLen);
  keyedHashInto(out, 0, key, outLen, parts);
  return out;
}

/** keyedHash written into `out` at `at` (no new array: the one-device seal builds its envelope in place). */
export function keyedHashInto(out: Uint8Array, at: number, key: Uint8Array, outLen: number, parts: readonly Uint8Array[]): void {
  const w = lib();
  if (!w) {
    out.set(sodium.crypto_generichash(outLen, parts.length === 1 ? parts[0]! : parts.reduce(join), key), at);
    return;
  }
  let n = 0;
  for (const part of parts) n += part.length;
  // layout: key | out (64) | message
  const p = scratch(w, key.length + 64 + n);
  const o = p + key.length;
  const h = w.HEAPU8;
  h.set(key, p);
  let end = o + 64;
  for (const part of parts) {
    h.set(part, end);
    end += part.length;
  }
  w._crypto_generichash(o, outLen, o + 64, n, 0, p, key.length);
  out.set(w.HEAPU8.subarray(o, o + outLen), at);
  w.HEAPU8.fill(0, p, end);
}

/** X25519(n, p); null when libsodium refuses the result (all-zero output: a low-order point). */
export function scalarmult(n: Uint8Array, p: Uint8Array): Uint8Array | null {
  const w = lib();
  if (!w) {
    try {
      return sodium.crypto_scalarmult(n, p);
    } catch {
      return null;
    }
  }
  const b = scratch(w, 96);
  w.HEAPU8.set(n, b);
  w.HEAPU8.set(p, b + 32);
  const rc = w._crypto_scalarmult(b + 64, b, b + 32);
  const out = rc === 0 ? w.HEAPU8.slice(b + 64, b + 96) : null;
  w.HEAPU8.fill(0, b, b + 96);
  return out;
}

/** X25519 public key of private key n. */
export function scalarmultBase(n: Uint8Array): Uint8Array {
  const w = lib();
  if (!w) return sodium.crypto_scalarmult_base(n);
  const b = scratch(w, 64);
  w.HEAPU8.set(n, b);
  w._crypto_scalarmult_base(b + 32, b);
  const out = w.HEAPU8.slice(b + 32, b + 64);
  w.HEAPU8.fill(0, b, b + 64);
  return out;
}

/**
 * HKDF-SHA256 with a 32-byte salt and an output of at most 255 × 32 bytes,
 * in one scratch session: extract, then expand with the PRK's keyed HMAC
 * state computed once and copied per block.
 */
export function hkdf32(salt: Uint8Array, ikm: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const w = lib();
  const blocks = Math.ceil(length / 32);
  if (!w) throw new Error('hkdf32 needs the libsodium module');
  // layout: salt/prk (32) | T (32) | ikm | info | counter (1) | keyed state | work state
  const p = scratch(w, 64 + ikm.length + info.length + 1 + 2 * HMAC_STATE);
  const t = p + 32;
  const im = p + 64;
  const inf = im + ikm.length;
  const ctr = inf + info.length;
  const keyed = ctr + 1;
  const st = keyed + HMAC_STATE;
  const h0 = w.HEAPU8;
  h0.set(salt, p);
  h0.set(ikm, im);
  h0.set(info, inf);
  w._crypto_auth_hmacsha256(p, im, ikm.length, 0, p); // PRK = HMAC(salt, ikm), written over the salt
  w._crypto_auth_hmacsha256_init(keyed, p, 32);
  const out = new Uint8Array(blocks * 32);
  for (let i = 0; i < blocks; i++) {
    const h = w.HEAPU8;
    h.copyWithin(st, keyed, keyed + HMAC_STATE);
    if (i > 0) w._crypto_auth_hmacsha256_update(st, t, 32, 0);
    w._crypto_auth_hmacsha256_update(st, inf, info.length, 0);
    w.HEAPU8[ctr] = i + 1;
    w._crypto_auth_hmacsha256_update(st, ctr, 1, 0);
    w._crypto_auth_hmacsha256_final(st, t);
    out.set(w.HEAPU8.subarray(t, t + 32), i * 32);
  }
  w.HEAPU8.fill(0, p, st + HMAC_STATE);
  if (out.length === length) return out;
  const cut = out.slice(0, length);
  out.fill(0);
  return cut;
}

/**
 * One 32-byte block of HKDF-SHA256 with a salt of any length (RFC 5869:
 * PRK = HMAC(salt, ikm), T(1) = HMAC(PRK, info ‖ 0x01)), in one scratch
 * session: sealed sender's key derivations (salts of 64 and 144 bytes).
 */
export function hkdfBlock(salt: Uint8Array, ikm: Uint8Array, info: Uint8Array): Uint8Array {
  const w = lib();
  if (!w) return hkdfBlockWrapped(salt, ikm, info);
  // layout: prk (32) | T (32) | salt | ikm | info | counter (1) | state
  const p = scratch(w, 64 + salt.length + ikm.length + info.length + 1 + HMAC_STATE);
  const sa = p + 64;
  const im = sa + salt.length;
  const inf = im + ikm.length;
  const ctr = inf + info.length;
  const st = ctr + 1;
  const h0 = w.HEAPU8;
  h0.set(salt, sa);
  h0.set(ikm, im);
  h0.set(info, inf);
  h0[ctr] = 1;
  w._crypto_auth_hmacsha256_init(st, sa, salt.length);
  w._crypto_auth_hmacsha256_update(st, im, ikm.length, 0);
  w._crypto_auth_hmacsha256_final(st, p);
  w._crypto_auth_hmacsha256_init(st, p, 32);
  w._crypto_auth_hmacsha256_update(st, inf, info.length + 1, 0);
  w._crypto_auth_hmacsha256_final(st, p + 32);
  const h = w.HEAPU8;
  const out = h.slice(p + 32, p + 64);
  h.fill(0, p, st + HMAC_STATE);
  return out;
}

function hkdfBlockWrapped(salt: Uint8Array, ikm: Uint8Array, info: Uint8Array): Uint8Array {
  const prk = createHmac('sha256', salt).update(ikm).digest();
  const okm = new Uint8Array(createHmac('sha256', prk).update(info).update(new Uint8Array([1])).digest());
  prk.fill(0);
  return okm;
}

/**
 * Lays out key (32) ‖ nonce (24) ‖ ad ‖ ad2 ‖ input in scratch and returns
 * the pointers; the output area (input.length + extra) follows the input.
 */
function stage(w: Wasm, key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, ad2: Uint8Array | undefined, input: Uint8Array, extra: number) {
  const adLen = ad.length + (ad2?.length ?? 0);
  const p = scratch(w, 56 + adLen + input.length * 2 + extra);
  const heap = w.HEAPU8;
  heap.set(key, p);
  heap.set(nonce, p + 32);
  heap.set(ad, p + 56);
  if (ad2) heap.set(ad2, p + 56 + ad.length);
  const inp = p + 56 + adLen;
  heap.set(input, inp);
  return { p, adLen, inp, out: inp + input.length };
}

/** XChaCha20-Poly1305 encrypt; `ad` may be given in two parts, concatenated. */
export function xchachaEncrypt(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array, ad2?: Uint8Array): Uint8Array {
  const w = lib();
  if (!w) return sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, ad2 ? join(ad, ad2) : ad, null, nonce, key);
  const { p, adLen, inp, out: c } = stage(w, key, nonce, ad, ad2, plaintext, 16);
  w._crypto_aead_xchacha20poly1305_ietf_encrypt(c, 0, inp, plaintext.length, 0, p + 56, adLen, 0, 0, p + 32, p);
  const h = w.HEAPU8;
  const out = h.slice(c, c + plaintext.length + 16);
  h.fill(0, p, c + plaintext.length + 16);
  return out;
}

/**
 * XChaCha20-Poly1305 encrypt of parts[0] ‖ parts[1] ‖ … written into `out`
 * at `at` (Σ|parts| + 16 bytes): the parts are laid out in scratch as they
 * are, and neither joined nor copied out into arrays of their own.
 */
export function xchachaEncryptInto(out: Uint8Array, at: number, key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, parts: readonly Uint8Array[]): void {
  let n = 0;
  for (const part of parts) n += part.length;
  const w = lib();
  if (!w) {
    out.set(sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(parts.reduce(join), ad, null, nonce, key), at);
    return;
  }
  // layout: key (32) | nonce (24) | ad | input | output (input + 16)
  const p = scratch(w, 56 + ad.length + 2 * n + 16);
  const heap = w.HEAPU8;
  heap.set(key, p);
  heap.set(nonce, p + 32);
  heap.set(ad, p + 56);
  const inp = p + 56 + ad.length;
  let end = inp;
  for (const part of parts) {
    heap.set(part, end);
    end += part.length;
  }
  w._crypto_aead_xchacha20poly1305_ietf_encrypt(end, 0, inp, n, 0, p + 56, ad.length, 0, 0, p + 32, p);
  const h = w.HEAPU8;
  out.set(h.subarray(end, end + n + 16), at);
  h.fill(0, p, end + n + 16);
}

/** XChaCha20-Poly1305 decrypt; null when authentication fails. */
export function xchachaDecrypt(key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, ad: Uint8Array, ad2?: Uint8Array): Uint8Array | null {
  if (ciphertext.length < 16) return null;
  const w = lib();
  if (!w) {
    try {
      return sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, ciphertext, ad2 ? join(ad, ad2) : ad, nonce, key);
    } catch {
      return null;
    }
  }
  const { p, adLen, inp: c, out: m } = stage(w, key, nonce, ad, ad2, ciphertext, 0);
  const rc = w._crypto_aead_xchacha20poly1305_ietf_decrypt(m, 0, 0, c, ciphertext.length, 0, p + 56, adLen, 0, p + 32, p);
  const h = w.HEAPU8;
  const out = rc === 0 ? h.slice(m, m + ciphertext.length - 16) : null;
  h.fill(0, p, m + ciphertext.length);
  return out;
}

function join(a: Uint8Array, b: Uint8Array): Uint8Array {
  const o = new Uint8Array(a.length + b.length);
  o.set(a);
  o.set(b, a.length);
  return o;
}
