/**
 * Sealing of key material inside the (already page-encrypted) database:
 * XChaCha20-Poly1305 under a subkey of the database key, with
 * AD = table ‖ 0x00 ‖ row id ‖ 0x00 ‖ format version, so a sealed value
 * moved to another row or table does not open. Layout: version ‖ nonce ‖ ct.
 */
import { randomBytes } from '../protocol/random';
import { xchachaDecrypt, xchachaEncrypt } from '../protocol/sodiumDirect';
import { STORE_SEAL_FORMAT_VERSION } from '../../shared/constants';
import { StoreError } from './errors';
import type { SecretKey } from './secretKey';

const NONCE = 24;
const enc = new TextEncoder();

function ad(table: string, rowId: string, version: number): Uint8Array {
  const t = enc.encode(table);
  const r = enc.encode(rowId);
  const out = new Uint8Array(t.length + r.length + 3);
  out.set(t);
  out.set(r, t.length + 1);
  out[out.length - 1] = version;
  return out;
}

/** Seals and opens key material bound to its table and row, under the seal subkey of the database key. */
export class Sealer {
  constructor(private key: SecretKey) {}

  /** Switches to a new seal key after a re-key (the old one is disposed by its owner). */
  useKey(key: SecretKey): void {
    this.key = key;
  }

  seal(table: string, rowId: string, plaintext: Uint8Array): Uint8Array {
    // From the pooled node:crypto buffer: libsodium's randombytes_buf costs ~100 µs a call here, and even one
    // randomFillSync per nonce costs ~20 µs; every session write seals. The AEAD runs on the direct wasm path.
    const nonce = randomBytes(NONCE);
    const ct = xchachaEncrypt(this.key.bytes, nonce, plaintext, ad(table, rowId, STORE_SEAL_FORMAT_VERSION));
    const out = new Uint8Array(1 + NONCE + ct.length);
    out[0] = STORE_SEAL_FORMAT_VERSION;
    out.set(nonce, 1);
    out.set(ct, 1 + NONCE);
    return out;
  }

  open(table: string, rowId: string, sealed: Uint8Array): Uint8Array {
    if (sealed.length < 1 + NONCE + 16 || sealed[0] !== STORE_SEAL_FORMAT_VERSION) {
      throw new StoreError('STORE_SEAL_FAILED', `A sealed ${table} record has an unknown format.`);
    }
    const out = xchachaDecrypt(this.key.bytes, sealed.subarray(1, 1 + NONCE), sealed.subarray(1 + NONCE), ad(table, rowId, sealed[0]));
    if (!out) throw new StoreError('STORE_SEAL_FAILED', `A sealed ${table} record does not open for its row.`);
    return out;
  }
}
