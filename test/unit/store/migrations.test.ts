import path from 'node:path';
import sodium from 'libsodium-wrappers-sumo';
import { describe, expect, it } from 'vitest';
import { openEncryptedDatabase } from '../../../src/main/store/database';
import { MIGRATIONS, migrate, schemaVersion } from '../../../src/main/store/schema';
import { SecretKey } from '../../../src/main/store/secretKey';
import { STORE_SCHEMA_VERSION } from '../../../src/shared/constants';
import { tempDir } from '../../support/storeFixture';

async function freshDb() {
  await sodium.ready;
  return openEncryptedDatabase(path.join(tempDir(), 'm.db'), new SecretKey(sodium.randombytes_buf(32)));
}

describe('schema migrations', () => {
  it('numbers one migration per schema version', () => {
    expect(MIGRATIONS).toHaveLength(STORE_SCHEMA_VERSION);
  });

  it('migration 1 creates every table from an empty file', async () => {
    const db = await freshDb();
    migrate(db, 1);
    expect(schemaVersion(db)).toBe(1);
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).pluck().all();
    for (const t of ['account', 'own_devices', 'contacts', 'contact_devices', 'prekeys', 'sessions', 'archived_sessions', 'conversations',
      'messages', 'messages_fts', 'attachments', 'outbox', 'processed_envelopes', 'pending_acks', 'backup_state', 'settings']) {
      expect(tables).toContain(t);
    }
    db.close();
  });

  it('migration 2 keeps seeded v1 rows and adds reactions and the archived flag', async () => {
    const db = await freshDb();
    migrate(db, 1);
    db.prepare(`INSERT INTO conversations (id, kind, title, created_at) VALUES ('c1', 'direct', 'x', 1)`).run();
    db.prepare(`INSERT INTO messages (id, conversation_id, sender, direction, body, sent_at, received_at, state) VALUES ('m1', 'c1', 's', 'in', 'crème brûlée', 5, 6, 'delivered')`).run();
    db.prepare(`INSERT INTO settings (key, value) VALUES ('a', 'b')`).run();
    migrate(db, 2);
    expect(schemaVersion(db)).toBe(2);
    expect(db.prepare(`SELECT archived FROM conversations WHERE id = 'c1'`).pluck().get()).toBe(0);
    expect(db.prepare(`SELECT body FROM messages WHERE id = 'm1'`).pluck().get()).toBe('crème brûlée');
    expect(db.prepare(`SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'creme'`).pluck().get()).toBe(1);
    db.prepare(`INSERT INTO reactions (message_id, sender, emoji, reacted_at) VALUES ('m1', 's', '👍', 7)`).run();
    expect(db.prepare('SELECT value FROM settings').pluck().get()).toBe('b');
    db.close();
  });

  it('migration 3 keeps seeded v2 contacts, unverified, with no pending key', async () => {
    const db = await freshDb();
    migrate(db, 2);
    db.prepare(`INSERT INTO contacts (account_id, display_name, created_at) VALUES ('acc1', 'Zoë', 3)`).run();
    migrate(db, 3);
    expect(schemaVersion(db)).toBe(3);
    expect(db.prepare(`SELECT display_name, trust, pending_account_id, relay_url FROM contacts`).get()).toEqual({
      display_name: 'Zoë', trust: 'unverified', pending_account_id: null, relay_url: null,
    });
    expect(() => db.prepare(`UPDATE contacts SET trust = 'bogus'`).run()).toThrow();
    db.close();
  });

  it('refuses a file from a newer schema without touching it', async () => {
    const db = await freshDb();
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    expect(() => migrate(db)).toThrow(expect.objectContaining({ code: 'STORE_SCHEMA_TOO_NEW' }) as Error);
    expect(schemaVersion(db)).toBe(MIGRATIONS.length + 1);
    db.close();
  });
});
