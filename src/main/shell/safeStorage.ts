/** The store's Keychain interface on Electron safeStorage (the only store code that imports electron). */
import { safeStorage } from 'electron';
import type { Keychain, KeychainBackend } from '../store/keychain';

function backend(): KeychainBackend {
  if (!safeStorage.isEncryptionAvailable()) return 'unavailable';
  if (process.platform !== 'linux') return 'os';
  // basic_text is a hard-coded key: the user must be told and asked for a passphrase instead.
  const b = safeStorage.getSelectedStorageBackend();
  return b === 'basic_text' || b === 'unknown' ? 'basic_text' : 'os';
}

/** Call after app 'ready' (safeStorage is not usable before). */
export function electronKeychain(): Keychain {
  return {
    backend: backend(),
    encrypt: (secret) => new Uint8Array(safeStorage.encryptString(Buffer.from(secret).toString('base64'))),
    decrypt: (blob) => new Uint8Array(Buffer.from(safeStorage.decryptString(Buffer.from(blob)), 'base64')),
  };
}
