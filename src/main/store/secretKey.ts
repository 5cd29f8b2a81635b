/** A 256-bit secret held in one buffer: redacted when printed, zeroed on dispose. */
import sodium from 'libsodium-wrappers-sumo';
import { StoreError } from './errors';

/** Length of the database key and its subkeys. */
export const DB_KEY_BYTES = 32;

/** The database key (or a subkey): redacted when printed, zeroed on dispose. */
export class SecretKey {
  #bytes: Uint8Array | null;
  constructor(bytes: Uint8Array) {
    if (bytes.length !== DB_KEY_BYTES) throw new StoreError('STORE_BAD_INPUT', `A store key is ${DB_KEY_BYTES} bytes.`);
    this.#bytes = bytes;
  }
  static random(): SecretKey {
    return new SecretKey(sodium.randombytes_buf(DB_KEY_BYTES));
  }
  /** The raw bytes; throws once disposed. Callers must not keep the reference. */
  get bytes(): Uint8Array {
    if (!this.#bytes) throw new StoreError('STORE_CLOSED', 'The key was disposed.');
    return this.#bytes;
  }
  /** `x'<hex>'`, the raw-key form of SQLCipher's PRAGMA key (no key stretching). */
  pragmaLiteral(): string {
    return `"x'${sodium.to_hex(this.bytes)}'"`;
  }
  /** A subkey for one purpose (libsodium crypto_kdf, 8-character context). */
  derive(id: number, context: string): SecretKey {
    return new SecretKey(sodium.crypto_kdf_derive_from_key(DB_KEY_BYTES, id, context, this.bytes));
  }
  dispose(): void {
    if (this.#bytes) sodium.memzero(this.#bytes);
    this.#bytes = null;
  }
  toJSON(): string {
    return '[SecretKey]';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '[SecretKey]';
  }
}
