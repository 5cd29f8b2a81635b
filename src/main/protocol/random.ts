/**
 * Randomness for the engine, drawn from node:crypto in bulk. libsodium's
 * `randombytes_buf` in this wasm build asks the platform one byte at a time
 * (about 95–150 µs for 24 bytes, measured in bench/ratchet.bench.ts), so the
 * engine never calls it: keys are derived from seeds taken from this pool.
 * Bytes handed out are copied and wiped from the pool.
 */
import { randomFillSync } from 'node:crypto';
import { RANDOM_POOL_BYTES } from '../../shared/constants';

const pool = new Uint8Array(RANDOM_POOL_BYTES);
let offset = RANDOM_POOL_BYTES;

/** Fills out[at, at + n) with fresh random bytes (no new array: for values built in place). */
export function randomInto(out: Uint8Array, at: number, n: number): void {
  if (n > RANDOM_POOL_BYTES) {
    randomFillSync(out, at, n);
    return;
  }
  if (offset + n > RANDOM_POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  out.set(pool.subarray(offset, offset + n), at);
  pool.fill(0, offset, offset + n);
  offset += n;
}

/** `n` fresh random bytes (a new array the caller owns). */
export function randomBytes(n: number): Uint8Array {
  if (n > RANDOM_POOL_BYTES) return randomFillSync(new Uint8Array(n));
  if (offset + n > RANDOM_POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const out = pool.slice(offset, offset + n);
  pool.fill(0, offset, offset + n);
  offset += n;
  return out;
}
