/**
 * Rotating the recovery phrase: a new phrase means a new account key. The
 * old key signs the change, so contacts (and our own other devices) can tell
 * the new key really comes from the account they know:
 *
 *   signature = Ed25519(old account key, "Parley-v1 account key change" ‖ old public key (32) ‖ new public key (32))
 *
 * Contacts see a safety-number warning and must accept before sending; our
 * own devices switch to the new key. The store-side moves are here too.
 */
import sodium from 'libsodium-wrappers-sumo';
import { concatBytes, fromBase64Url, toBase64Url, utf8Bytes } from '../../shared/wire/encoding';
import type { LocalStore } from '../store';

export const KEY_CHANGE_CONTEXT = 'Parley-v1 account key change';

const changeBytes = (oldKey: Uint8Array, newKey: Uint8Array): Uint8Array => concatBytes(utf8Bytes(KEY_CHANGE_CONTEXT), oldKey, newKey);

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

/**
 * Re-addresses everything this store keeps under our own account id: own
 * messages and reactions, and sessions with our own devices (their ratchet
 * state is per device key, which does not change). One transaction.
 */
export function moveOwnAccount(store: LocalStore, oldId: string, newId: string): void {
  const db = store.db;
  db.transaction(() => {
    db.prepare('UPDATE messages SET sender = ? WHERE sender = ?').run(newId, oldId);
    db.prepare('UPDATE reactions SET sender = ? WHERE sender = ?').run(newId, oldId);
    // Sealed records bind their row (the address): re-seal each under its new address.
    const own = db.prepare('SELECT address FROM sessions WHERE substr(address, 1, ?) = ?').pluck().all(oldId.length + 1, `${oldId}.`) as string[];
    for (const address of own) {
      const deviceId = address.slice(oldId.length + 1);
      const record = store.protocol.loadSessionSync({ accountId: oldId, deviceId });
      if (record) store.protocol.storeSessionSync({ accountId: newId, deviceId }, record);
      db.prepare('DELETE FROM sessions WHERE address = ?').run(address);
    }
  })();
}

/**
 * After a contact's new account key is accepted: the contact, its
 * conversation (the conversation id is the peer's account id), their
 * messages and reactions move to the new id, unverified; old sessions and
 * devices go (new ones come from the new account's signed list).
 */
export function moveContactAccount(store: LocalStore, oldId: string, newId: string): void {
  const db = store.db;
  db.transaction(() => {
    db.prepare(`UPDATE contacts SET account_id = ?, pending_account_id = NULL, trust = 'unverified' WHERE account_id = ?`).run(newId, oldId);
    db.prepare(`INSERT INTO conversations (id, kind, peer_account_id, title, expire_timer_ms, last_message_at, created_at, archived)
      SELECT ?, kind, ?, title, expire_timer_ms, last_message_at, created_at, archived FROM conversations WHERE id = ?`).run(newId, newId, oldId);
    db.prepare('UPDATE messages SET conversation_id = ? WHERE conversation_id = ?').run(newId, oldId);
    db.prepare('UPDATE messages SET sender = ? WHERE sender = ?').run(newId, oldId);
    db.prepare('UPDATE reactions SET sender = ? WHERE sender = ?').run(newId, oldId);
    db.prepare('DELETE FROM conversations WHERE id = ?').run(oldId);
    db.prepare('DELETE FROM contact_devices WHERE account_id = ?').run(oldId);
    db.prepare('DELETE FROM sessions WHERE substr(address, 1, ?) = ?').run(oldId.length + 1, `${oldId}.`);
  })();
}
