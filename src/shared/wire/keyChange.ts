/**
 * The signed statement "account key K is replaced by K′" (docs/protocol.md
 * §6.6, §6.8), shared by the client (rotation, contacts) and the relay
 * (superseding an account):
 *
 *   signature = Ed25519(K, "Parley-v1 account key change" ‖ K (32) ‖ K′ (32))
 */
import { concatBytes, utf8Bytes } from './encoding';

/** Domain separation prefix of the signed old → new account key statement, so the signature cannot be replayed as another kind. */
export const KEY_CHANGE_CONTEXT = 'Parley-v1 account key change';

/** The bytes the old account key signs to hand the account over to `newKey`. */
export const keyChangeBytes = (oldKey: Uint8Array, newKey: Uint8Array): Uint8Array => concatBytes(utf8Bytes(KEY_CHANGE_CONTEXT), oldKey, newKey);
