/**
 * Envelope encryption of the database key. The random 256-bit key is never
 * written in the clear; the key file holds it wrapped by an Argon2id-derived
 * key (passphrase), by the OS keychain, or both. Changing the passphrase
 * rewrites only this file. Written atomically with mode 0600.
 */
import fs from 'node:fs';
import sodium from 'libsodium-wrappers-sumo';
import { z } from 'zod';
import {
  STORE_PWHASH_MEMLIMIT, STORE_PWHASH_MIN_MEMLIMIT, STORE_PWHASH_MIN_OPSLIMIT, STORE_PWHASH_OPSLIMIT,
} from '../../shared/constants';
import { fromBase64Url, toBase64Url } from '../../shared/wire/encoding';
import { StoreError } from './errors';
import type { Keychain } from './keychain';
import { DB_KEY_BYTES, SecretKey } from './secretKey';

/** Format version of the key file. */
export const KEY_FILE_VERSION = 1;

/** Argon2id cost parameters of a passphrase wrap. */
export interface PwhashParams {
  readonly opslimit: number;
  readonly memlimit: number;
}

/** The Argon2id parameters new passphrase wraps use (libsodium MODERATE). */
export const DEFAULT_PWHASH: PwhashParams = { opslimit: STORE_PWHASH_OPSLIMIT, memlimit: STORE_PWHASH_MEMLIMIT };

const b64 = z.string().regex(/^[A-Za-z0-9_-]*$/);
const keyFileSchema = z.object({
  version: z.literal(KEY_FILE_VERSION),
  passphrase: z.object({
    salt: b64, opslimit: z.number().int(), memlimit: z.number().int(), nonce: b64, wrapped: b64,
  }).optional(),
  keychain: z.object({ blob: b64 }).optional(),
});
/** The key file: the database key wrapped by a passphrase, by the OS keychain, or both. */
export type KeyFile = z.infer<typeof keyFileSchema>;

function dec(s: string): Uint8Array {
  const b = fromBase64Url(s);
  if (!b) throw new StoreError('STORE_BAD_KEYFILE', 'The key file holds invalid base64.');
  return b;
}

const WRAP_AD = new TextEncoder().encode('parley-store-key/v1/passphrase');

function deriveWrapKey(passphrase: string, salt: Uint8Array, p: PwhashParams): Uint8Array {
  return sodium.crypto_pwhash(DB_KEY_BYTES, passphrase, salt, p.opslimit, p.memlimit, sodium.crypto_pwhash_ALG_ARGON2ID13);
}

/** Wraps the database key under an Argon2id key from the passphrase (parameters no weaker than the named minimums). */
export function wrapWithPassphrase(key: SecretKey, passphrase: string, p: PwhashParams = DEFAULT_PWHASH): NonNullable<KeyFile['passphrase']> {
  if (p.opslimit < STORE_PWHASH_MIN_OPSLIMIT || p.memlimit < STORE_PWHASH_MIN_MEMLIMIT) {
    throw new StoreError('STORE_BAD_INPUT', 'Argon2id parameters are below the named minimums.');
  }
  const salt = sodium.randombytes_buf(sodium.crypto_pwhash_SALTBYTES);
  const nonce = sodium.randombytes_buf(24);
  const wk = deriveWrapKey(passphrase, salt, p);
  try {
    const wrapped = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(key.bytes, WRAP_AD, null, nonce, wk);
    return { salt: toBase64Url(salt), opslimit: p.opslimit, memlimit: p.memlimit, nonce: toBase64Url(nonce), wrapped: toBase64Url(wrapped) };
  } finally {
    sodium.memzero(wk);
  }
}

/** Unwraps the database key with the passphrase; throws STORE_WRONG_PASSPHRASE when it does not open. */
export function unwrapWithPassphrase(file: KeyFile, passphrase: string): SecretKey {
  const w = file.passphrase;
  if (!w) throw new StoreError('STORE_NO_UNLOCK_METHOD', 'This store has no passphrase set.');
  if (w.opslimit < STORE_PWHASH_MIN_OPSLIMIT || w.memlimit < STORE_PWHASH_MIN_MEMLIMIT) {
    throw new StoreError('STORE_BAD_KEYFILE', 'The key file declares Argon2id parameters below the minimums.');
  }
  const wk = deriveWrapKey(passphrase, dec(w.salt), w);
  try {
    return new SecretKey(sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, dec(w.wrapped), WRAP_AD, dec(w.nonce), wk));
  } catch (e) {
    throw new StoreError('STORE_WRONG_PASSPHRASE', 'The passphrase is wrong.', { cause: e });
  } finally {
    sodium.memzero(wk);
  }
}

/** Refuses the Linux basic_text backend: it would only pretend to protect the key. */
export function requireSecureKeychain(k: Keychain): void {
  if (k.backend !== 'os') {
    throw new StoreError('STORE_KEYCHAIN_INSECURE',
      'The system keychain is not available (no secret service found). Set a passphrase to protect your messages.');
  }
}

/** Wraps the database key with the OS keychain; refuses a keychain that offers no protection. */
export function wrapWithKeychain(key: SecretKey, k: Keychain): NonNullable<KeyFile['keychain']> {
  requireSecureKeychain(k);
  return { blob: toBase64Url(k.encrypt(key.bytes)) };
}

/** Unwraps the database key with the OS keychain. */
export function unwrapWithKeychain(file: KeyFile, k: Keychain): SecretKey {
  if (!file.keychain) throw new StoreError('STORE_NO_UNLOCK_METHOD', 'This store is not protected by the keychain.');
  requireSecureKeychain(k);
  try {
    return new SecretKey(k.decrypt(dec(file.keychain.blob)));
  } catch (e) {
    throw new StoreError('STORE_WRONG_PASSPHRASE', 'The keychain could not unlock the store.', { cause: e });
  }
}

/** Reads and checks the key file at `path`; a missing or malformed file is a typed StoreError. */
export function readKeyFile(path: string): KeyFile {
  let raw: string;
  try {
    raw = fs.readFileSync(path, 'utf8');
  } catch (e) {
    throw new StoreError('STORE_BAD_KEYFILE', 'The key file is missing.', { cause: e });
  }
  try {
    return keyFileSchema.parse(JSON.parse(raw));
  } catch (e) {
    throw new StoreError('STORE_BAD_KEYFILE', 'The key file is malformed.', { cause: e });
  }
}

/** Atomic replace: write a 0600 temp file, fsync, rename over the old one. */
export function writeKeyFile(path: string, file: KeyFile): void {
  const tmp = `${path}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, JSON.stringify(file));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, path);
}
