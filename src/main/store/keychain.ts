/**
 * The OS keychain behind an interface, so the CLI and tests use the
 * passphrase path and only src/main/shell touches Electron's safeStorage.
 */
export type KeychainBackend =
  /** A real OS-backed secret store (macOS Keychain, Windows DPAPI, libsecret, kwallet). */
  | 'os'
  /** Linux fallback that stores a hard-coded key: offers no protection. */
  | 'basic_text'
  /** No encryption is available at all. */
  | 'unavailable';

/** The OS keychain as the store uses it: which backend, and encrypting and decrypting a small secret. */
export interface Keychain {
  readonly backend: KeychainBackend;
  /** Encrypts a small secret with the OS keychain. */
  encrypt(secret: Uint8Array): Uint8Array;
  /** Decrypts what `encrypt` produced on this machine and account. */
  decrypt(blob: Uint8Array): Uint8Array;
}
