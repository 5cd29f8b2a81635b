/** The store's 256-bit database key: a Secret of fixed length (redacted when printed, zeroed on dispose). */
import sodium from 'libsodium-wrappers-sumo';
import { Secret } from '../crypto/secret';
import { StoreError } from './errors';

/** Length of a database key. */
export const DB_KEY_BYTES = 32;

/** A database key or a subkey derived from one. */
export class SecretKey extends Secret {
  constructor(bytes: Uint8Array) {
    if (bytes.length !== DB_KEY_BYTES) throw new StoreError('STORE_BAD_INPUT', `A store key is ${DB_KEY_BYTES} bytes.`);
    super('SecretKey', bytes);
  }

  /** A new random key. */
  static random(): SecretKey {
    return new SecretKey(sodium.randombytes_buf(DB_KEY_BYTES));
  }

  protected override disposedError(): Error {
    return new StoreError('STORE_CLOSED', 'The key was disposed.');
  }

  /** `x'<hex>'`, the raw-key form of SQLCipher's PRAGMA key, which SQLite3MC takes as a raw key in every scheme (no key stretching). */
  pragmaLiteral(): string {
    return `"x'${sodium.to_hex(this.bytes)}'"`;
  }

  /** A subkey for one purpose (libsodium crypto_kdf, 8-character context). */
  derive(id: number, context: string): SecretKey {
    return new SecretKey(sodium.crypto_kdf_derive_from_key(DB_KEY_BYTES, id, context, this.bytes));
  }
}
