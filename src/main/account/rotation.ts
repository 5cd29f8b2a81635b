/**
 * Rotating the recovery phrase: a new phrase means a new account key. The
 * old key signs the change, so contacts (and our own other devices) can tell
 * the new key really comes from the account they know:
 *
 *   signature = Ed25519(old account key, "Parley-v1 account key change" ‖ old public key (32) ‖ new public key (32))
 *
 * Contacts see a safety-number warning and must accept before sending; our
 * own devices switch to the new key. The store-side moves are in
 * store/accountMoves.ts.
 */
import sodium from 'libsodium-wrappers-sumo';
import { fromBase64Url, toBase64Url } from '../../shared/wire/encoding';
import { keyChangeBytes as changeBytes } from '../../shared/wire/keyChange';

/** Signs old → new with the old account secret key (64 bytes). Returns base64url. */
export function signKeyChange(oldSecret: Uint8Array, newPublic: Uint8Array): string {
  return toBase64Url(sodium.crypto_sign_detached(changeBytes(oldSecret.subarray(32), newPublic), oldSecret));
}

/** True when `signature` is the old account key's signature of the change to `newAccountId`. */
export function verifyKeyChange(oldAccountId: string, newAccountId: string, signature: string): boolean {
  const oldKey = fromBase64Url(oldAccountId);
  const newKey = fromBase64Url(newAccountId);
  const sig = fromBase64Url(signature);
  if (oldKey?.length !== 32 || newKey?.length !== 32 || sig?.length !== 64 || oldAccountId === newAccountId) return false;
  try {
    return sodium.crypto_sign_verify_detached(sig, changeBytes(oldKey, newKey), oldKey);
  } catch {
    return false;
  }
}
