/**
 * A keychain for tests: real XChaCha20-Poly1305 under a key held by the test
 * process (the OS keychain's role), so profiles unlock without an Argon2id
 * run. The model test opens profiles hundreds of times; the passphrase path
 * has tests of its own.
 */
import sodium from 'libsodium-wrappers-sumo';
import type { Keychain } from '../../src/main/store/keychain';

/** A keychain sealing under `key` (32 bytes); give the same key to a child process to open the same profiles. */
export function testKeychain(key: Uint8Array): Keychain {
  const NONCE = sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  return {
    backend: 'os',
    encrypt(secret) {
      const nonce = sodium.randombytes_buf(NONCE);
      const sealed = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(secret, null, null, nonce, key);
      const out = new Uint8Array(NONCE + sealed.length);
      out.set(nonce);
      out.set(sealed, NONCE);
      return out;
    },
    decrypt(blob) {
      return sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, blob.subarray(NONCE), null, blob.subarray(0, NONCE), key);
    },
  };
}
