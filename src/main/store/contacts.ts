/**
 * Contacts at account level (trust over the account key, a pending new key,
 * their relay) and the devices their signed device list names. Every value
 * is bound; names stay inside the page-encrypted file.
 */
import type { LocalStore } from './store';
import type { TrustState } from './protocolStores';
import { publicKeyFromId } from '../../shared/wire/deviceList';
import { prep } from './database';

/** What a contact is called until they tell us their name (a first message from someone who added us). */
export const unknownName = (accountId: string): string => `Unknown ${accountId.slice(0, 6)}`;

/** One contact as the services see it. */
export interface ContactRow {
  readonly accountId: string;
  readonly name: string;
  readonly trust: TrustState;
  readonly pendingAccountId: string | null;
  /** A second new key, signed by the same old key, that conflicts with `pendingAccountId` (issue 13 §1): the user must verify and pick. */
  readonly conflictAccountId: string | null;
  readonly relayUrl: string | null;
  readonly addedAt: number;
}

interface Row {
  account_id: string;
  display_name: string;
  trust: TrustState;
  pending_account_id: string | null;
  conflict_account_id: string | null;
  relay_url: string | null;
  created_at: number;
}

const toContact = (r: Row): ContactRow => ({
  accountId: r.account_id,
  name: r.display_name,
  trust: r.trust,
  pendingAccountId: r.pending_account_id,
  conflictAccountId: r.conflict_account_id,
  relayUrl: r.relay_url,
  addedAt: r.created_at,
});

/** The `contacts` and `contact_devices` tables (see the file comment). */
export class ContactsRepo {
  constructor(private readonly store: LocalStore) {}

  all(): ContactRow[] {
    return (prep(this.store.db, 'SELECT * FROM contacts ORDER BY display_name COLLATE NOCASE').all() as Row[]).map(toContact);
  }

  /** True if `accountId` is a contact (cheaper than `get`: no row is read out). */
  has(accountId: string): boolean {
    return prep(this.store.db, 'SELECT 1 FROM contacts WHERE account_id = ?').get(accountId) !== undefined;
  }

  get(accountId: string): ContactRow | null {
    const r = prep(this.store.db, 'SELECT * FROM contacts WHERE account_id = ?').get(accountId) as Row | undefined;
    return r ? toContact(r) : null;
  }

  byName(name: string): ContactRow | null {
    const r = prep(this.store.db, 'SELECT * FROM contacts WHERE display_name = ? COLLATE NOCASE').get(name) as Row | undefined;
    return r ? toContact(r) : null;
  }

  insert(c: { accountId: string; name: string; relayUrl: string | null }, now: number): void {
    prep(this.store.db, `INSERT INTO contacts (account_id, display_name, created_at, trust, relay_url) VALUES (?, ?, ?, 'unverified', ?)`)
      .run(c.accountId, c.name, now, c.relayUrl);
  }

  /** Sets the name a contact is shown under. */
  rename(accountId: string, name: string): void {
    prep(this.store.db, 'UPDATE contacts SET display_name = ? WHERE account_id = ?').run(name, accountId);
  }

  setTrust(accountId: string, trust: TrustState): void {
    prep(this.store.db, 'UPDATE contacts SET trust = ? WHERE account_id = ?').run(trust, accountId);
  }

  /** Sets (or clears) a contact's new account key awaiting acceptance; setting one is a safety-number change, and is audited. */
  setPendingAccount(accountId: string, pending: string | null): void {
    this.store.db.transaction(() => {
      prep(this.store.db, `UPDATE contacts SET pending_account_id = ?, trust = CASE WHEN ? IS NULL THEN trust ELSE 'changed' END WHERE account_id = ?`).run(pending, pending, accountId);
      if (pending !== null) this.store.audit.record('safety_number.changed', { accountId, newAccountId: pending });
    })();
  }

  /** Records a second new key that conflicts with the pending one (the first conflict stays; a third claim changes nothing), and audits it. */
  setConflictAccount(accountId: string, conflicting: string): void {
    this.store.db.transaction(() => {
      const changed = prep(this.store.db, `UPDATE contacts SET conflict_account_id = ?, trust = 'changed' WHERE account_id = ? AND conflict_account_id IS NULL AND pending_account_id IS NOT NULL AND pending_account_id <> ?`)
        .run(conflicting, accountId, conflicting).changes;
      if (changed > 0) this.store.audit.record('safety_number.conflict', { accountId, newAccountId: conflicting });
    })();
  }

  /** Replaces the device set the contact's signed list names; device identity keys are the device ids themselves. */
  setDevices(accountId: string, deviceIds: readonly string[]): void {
    const keep = new Set(deviceIds);
    const db = this.store.db;
    db.transaction(() => {
      const existing = this.devices(accountId);
      for (const d of existing) if (!keep.has(d)) prep(db, 'DELETE FROM contact_devices WHERE account_id = ? AND device_id = ?').run(accountId, d);
      for (const d of deviceIds) {
        const key = publicKeyFromId(d);
        if (key) this.store.protocol.saveIdentitySync({ accountId, deviceId: d }, key);
      }
    })();
  }

  /** Every contact's account id (one query: group sends check a thousand members at once). */
  ids(): Set<string> {
    return new Set(prep(this.store.db, 'SELECT account_id FROM contacts').pluck().all() as string[]);
  }

  /** Every contact's devices by account, in device order (one query, for group sends). */
  allDevices(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const r of prep(this.store.db, 'SELECT account_id AS a, device_id AS d FROM contact_devices ORDER BY account_id, device_id').all() as { a: string; d: string }[]) {
      out.set(r.a, [...(out.get(r.a) ?? []), r.d]);
    }
    return out;
  }

  devices(accountId: string): string[] {
    return prep(this.store.db, 'SELECT device_id FROM contact_devices WHERE account_id = ? ORDER BY device_id').pluck().all(accountId) as string[];
  }
}
