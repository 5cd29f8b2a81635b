/**
 * Byte encodings shared by the client, the relay and the docs. Pure: no Node
 * Buffer, no DOM. Keys and ciphertexts travel in JSON frames as unpadded
 * base64url.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

const ALPHABET_CODES = new Uint8Array(64);
for (let i = 0; i < ALPHABET.length; i++) ALPHABET_CODES[i] = ALPHABET.charCodeAt(i);
const ascii = new TextDecoder();
/** Inputs shorter than this (keys, ids, digests) are encoded into one reused buffer: no allocation but the string itself. */
const SCRATCH_FROM = 96;
const scratch = new Uint8Array(Math.ceil((SCRATCH_FROM * 4) / 3));

/**
 * Unpadded base64url of `bytes`, as keys and ciphertexts travel in JSON
 * frames. The characters are written as bytes and decoded once: string
 * concatenation made a chain of partial strings per call that every Map
 * lookup then had to flatten (≈ 3× slower for a 32-byte key used as a key,
 * and most of the receive path's garbage from this function: bench:app,
 * stop 25).
 */
export function toBase64Url(bytes: Uint8Array): string {
  const size = Math.ceil((bytes.length * 4) / 3);
  const out = bytes.length < SCRATCH_FROM ? scratch : new Uint8Array(size);
  const A = ALPHABET_CODES;
  let o = 0;
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out[o++] = A[(n >> 18) & 63]!;
    out[o++] = A[(n >> 12) & 63]!;
    out[o++] = A[(n >> 6) & 63]!;
    out[o++] = A[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest > 0) {
    const n = (bytes[i]! << 16) | (rest === 2 ? bytes[i + 1]! << 8 : 0);
    out[o++] = A[(n >> 18) & 63]!;
    out[o++] = A[(n >> 12) & 63]!;
    if (rest === 2) out[o++] = A[(n >> 6) & 63]!;
  }
  return ascii.decode(out.subarray(0, o));
}

const sextet = (c: number): number => (c < 128 ? LOOKUP[c]! : -1);

/** Strict decoder: rejects padding, whitespace, foreign characters and non-canonical tails. Returns null on bad input. */
export function fromBase64Url(text: string): Uint8Array | null {
  const len = text.length;
  const rest = len % 4;
  if (rest === 1) return null;
  const out = new Uint8Array(Math.floor((len * 3) / 4));
  const full = len - rest;
  let o = 0;
  for (let i = 0; i < full; i += 4) {
    const a = sextet(text.charCodeAt(i));
    const b = sextet(text.charCodeAt(i + 1));
    const c = sextet(text.charCodeAt(i + 2));
    const d = sextet(text.charCodeAt(i + 3));
    if ((a | b | c | d) < 0) return null;
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = n >> 16;
    out[o++] = (n >> 8) & 0xff;
    out[o++] = n & 0xff;
  }
  if (rest === 0) return out;
  const a = sextet(text.charCodeAt(full));
  const b = sextet(text.charCodeAt(full + 1));
  const c = rest === 3 ? sextet(text.charCodeAt(full + 2)) : 0;
  if ((a | b | c) < 0) return null;
  // Non-canonical trailing bits (set bits past the last whole byte) are refused.
  if (rest === 2 ? (b & 15) !== 0 : (c & 3) !== 0) return null;
  out[o++] = (a << 2) | (b >> 4);
  if (rest === 3) out[o++] = ((b & 15) << 4) | (c >> 2);
  return out;
}

/** The parts joined into one new byte array. */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** `n` as 4 big-endian bytes; throws RangeError outside 0..2^32-1. */
export function u32be(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError('u32 out of range');
  return new Uint8Array([(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
}

const utf8 = new TextEncoder();
/** `s` as UTF-8 bytes. */
export const utf8Bytes = (s: string): Uint8Array => utf8.encode(s);
