/** Account, own devices, contacts and settings. Names live only inside the page-encrypted file; account key material is sealed. */
import { prep, type SqliteDatabase } from './database';
import type { Sealer } from './seal';

/** Settings-key prefix of relay key pins. */
const RELAY_PIN_PREFIX = 'relay.pin.';

/** A contact as the directory stores it: account id and display name. */
export interface Contact {
  readonly accountId: string;
  readonly displayName: string;
}

/** Account, own devices, contacts and settings rows; account key material is sealed. */
export class Directory {
  constructor(private readonly db: SqliteDatabase, private readonly sealer: Sealer) {}

  setAccount(accountId: string, displayName: string, keyMaterial: Uint8Array, now = Date.now()): void {
    prep(this.db, 'INSERT OR REPLACE INTO account (id, account_id, display_name, key_material, created_at) VALUES (1, ?, ?, ?, ?)')
      .run(accountId, displayName, this.sealer.seal('account', '1', keyMaterial), now);
  }

  account(): { accountId: string; displayName: string; keyMaterial: Uint8Array } | null {
    const r = prep(this.db, 'SELECT account_id, display_name, key_material FROM account WHERE id = 1').get() as
      { account_id: string; display_name: string; key_material: Uint8Array } | undefined;
    return r ? { accountId: r.account_id, displayName: r.display_name, keyMaterial: this.sealer.open('account', '1', r.key_material) } : null;
  }

  upsertContact(c: Contact, now = Date.now()): void {
    prep(this.db, `INSERT INTO contacts (account_id, display_name, created_at) VALUES (?, ?, ?)
      ON CONFLICT(account_id) DO UPDATE SET display_name = excluded.display_name`).run(c.accountId, c.displayName, now);
  }

  contacts(): Contact[] {
    return (prep(this.db, 'SELECT account_id, display_name FROM contacts ORDER BY display_name').all() as { account_id: string; display_name: string }[])
      .map((r) => ({ accountId: r.account_id, displayName: r.display_name }));
  }

  deleteContact(accountId: string): void {
    prep(this.db, 'DELETE FROM contacts WHERE account_id = ?').run(accountId);
  }

  setSetting(key: string, value: string): void {
    prep(this.db, 'INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)').run(key, value);
  }

  setting(key: string): string | null {
    return (prep(this.db, 'SELECT value FROM settings WHERE key = ?').pluck().get(key) as string | undefined) ?? null;
  }

  /**
   * The identity key pinned for a relay (docs/protocol.md §3.3), by its pin id
   * (scheme, host, port and path), or null when none is. Kept in the settings
   * table under `relay.pin.<id>`, inside the encrypted file like every setting.
   */
  relayKeyPin(relayId: string): Uint8Array | null {
    const value = this.setting(`${RELAY_PIN_PREFIX}${relayId}`);
    return value === null ? null : new Uint8Array(Buffer.from(value, 'base64url'));
  }

  /** Pins `key` for a relay, replacing any earlier pin. */
  setRelayKeyPin(relayId: string, key: Uint8Array): void {
    this.setSetting(`${RELAY_PIN_PREFIX}${relayId}`, Buffer.from(key).toString('base64url'));
  }

  backupState(): { lastBackupAt: number | null; cursor: string | null; status: string } {
    const r = prep(this.db, 'SELECT last_backup_at, cursor, status FROM backup_state WHERE id = 1').get() as
      { last_backup_at: number | null; cursor: string | null; status: string } | undefined;
    return r ? { lastBackupAt: r.last_backup_at, cursor: r.cursor, status: r.status } : { lastBackupAt: null, cursor: null, status: 'idle' };
  }

  setBackupState(s: { lastBackupAt: number | null; cursor: string | null; status: string }): void {
    prep(this.db, 'INSERT OR REPLACE INTO backup_state (id, last_backup_at, cursor, status) VALUES (1, ?, ?, ?)').run(s.lastBackupAt, s.cursor, s.status);
  }
}
