/**
 * Re-addressing rows when an account key changes (a rotated recovery
 * phrase): ours, or a contact's once the user accepts it. Each move is one
 * transaction; every value is bound.
 */
import { prep, type SqliteDatabase } from './database';
import type { SqliteProtocolStores } from './protocolStores';

/** The store-side half of phrase rotation (the signatures are in account/rotation.ts). */
export class AccountMoves {
  constructor(private readonly db: SqliteDatabase, private readonly protocol: SqliteProtocolStores) {}

  /**
   * Re-addresses everything kept under our own account id: own messages and
   * reactions, and sessions with our own devices (their ratchet state is per
   * device key, which does not change). Sessions with every other account's
   * devices end: the peer keeps its half under our old address, so a message
   * on it from the new address would find no session there (and its retry
   * request would go to the old mailbox, which is no longer read). The next
   * message to such a device starts a new session from the new address.
   */
  ownAccount(oldId: string, newId: string): void {
    this.db.transaction(() => {
      this.#moveSender(oldId, newId);
      // Sealed records bind their row (the address): re-seal each under its new address.
      const own = prep(this.db, 'SELECT address FROM sessions WHERE substr(address, 1, ?) = ?').pluck().all(oldId.length + 1, `${oldId}.`) as string[];
      for (const address of own) {
        const deviceId = address.slice(oldId.length + 1);
        const record = this.protocol.loadSessionSync({ accountId: oldId, deviceId });
        if (record) this.protocol.storeSessionSync({ accountId: newId, deviceId }, record);
        this.protocol.deleteSessionSync({ accountId: oldId, deviceId });
      }
      this.protocol.deleteSessionsExceptAccountSync(newId);
    })();
  }

  /**
   * After a contact's new account key is accepted: the contact, its
   * conversation (whose id is the peer's account id), their messages and
   * reactions move to the new id, unverified; old sessions and devices go
   * (new ones come from the new account's signed list).
   */
  contactAccount(oldId: string, newId: string): void {
    this.db.transaction(() => {
      prep(this.db, `UPDATE contacts SET account_id = ?, pending_account_id = NULL, conflict_account_id = NULL, trust = 'unverified' WHERE account_id = ?`).run(newId, oldId);
      prep(this.db, `INSERT INTO conversations (id, kind, peer_account_id, title, expire_timer_ms, last_message_at, created_at, archived)
        SELECT ?, kind, ?, title, expire_timer_ms, last_message_at, created_at, archived FROM conversations WHERE id = ?`).run(newId, newId, oldId);
      prep(this.db, 'UPDATE messages SET conversation_id = ? WHERE conversation_id = ?').run(newId, oldId);
      this.#moveSender(oldId, newId);
      prep(this.db, 'DELETE FROM conversations WHERE id = ?').run(oldId);
      prep(this.db, 'DELETE FROM contact_devices WHERE account_id = ?').run(oldId);
      prep(this.db, 'DELETE FROM sessions WHERE substr(address, 1, ?) = ?').run(oldId.length + 1, `${oldId}.`);
    })();
  }

  #moveSender(oldId: string, newId: string): void {
    prep(this.db, 'UPDATE messages SET sender = ? WHERE sender = ?').run(newId, oldId);
    prep(this.db, 'UPDATE reactions SET sender = ? WHERE sender = ?').run(newId, oldId);
  }
}
