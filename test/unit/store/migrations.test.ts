import path from 'node:path';
import sodium from 'libsodium-wrappers-sumo';
import { describe, expect, it } from 'vitest';
import { openEncryptedDatabase } from '../../../src/main/store/database';
import { MIGRATIONS, migrate, schemaVersion } from '../../../src/main/store/schema';
import { GroupHeldRepo } from '../../../src/main/store/groupHeld';
import { ListRefreshRepo } from '../../../src/main/store/listRefreshes';
import { SearchIndex } from '../../../src/main/store/searchIndex';
import { SecretKey } from '../../../src/main/store/secretKey';
import { GROUP_HELD_PER_SENDER, GROUP_HELD_TTL_MS, LIST_REFRESH_RETRY_BASE_MS, LIST_REFRESH_RETRY_MAX_MS, STORE_SCHEMA_VERSION } from '../../../src/shared/constants';
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

  it('migration 4 keeps seeded v3 rows and tracks every later message, reaction and state change', async () => {
    const db = await freshDb();
    migrate(db, 3);
    db.prepare(`INSERT INTO conversations (id, kind, title, created_at) VALUES ('c1', 'direct', 'x', 1)`).run();
    db.prepare(`INSERT INTO messages (id, conversation_id, sender, direction, body, sent_at, received_at, state) VALUES ('old', 'c1', 's', 'in', 'before v4', 5, 6, 'delivered')`).run();
    db.prepare(`INSERT INTO contacts (account_id, display_name, created_at, trust) VALUES ('acc1', 'Zoë', 3, 'verified')`).run();
    migrate(db, 4);
    expect(schemaVersion(db)).toBe(4);
    const seq = () => db.prepare('SELECT seq FROM change_counter').pluck().get() as number;
    const changeOf = (id: string) => db.prepare('SELECT seq FROM message_changes WHERE message_id = ?').pluck().get(id) as number | undefined;
    expect(db.prepare(`SELECT body FROM messages WHERE id = 'old'`).pluck().get()).toBe('before v4');
    expect(db.prepare(`SELECT display_name, trust FROM contacts`).get()).toEqual({ display_name: 'Zoë', trust: 'verified' });
    expect(seq()).toBe(0);
    expect(changeOf('old')).toBeUndefined();
    expect(db.prepare(`SELECT value FROM settings WHERE key = 'backup.writer'`).pluck().get()).toMatch(/^[0-9a-f]{32}$/u);

    db.prepare(`INSERT OR IGNORE INTO messages (id, conversation_id, sender, direction, body, sent_at, received_at, state) VALUES ('new', 'c1', 's', 'in', 'after', 7, 8, 'sent')`).run();
    expect(changeOf('new')).toBe(seq());
    db.prepare(`UPDATE messages SET state = 'read' WHERE id = 'old'`).run();
    expect(changeOf('old')).toBe(seq());
    db.prepare(`INSERT INTO reactions (message_id, sender, emoji, reacted_at) VALUES ('new', 's', '👍', 9)`).run();
    expect(changeOf('new')).toBe(seq());
    const beforeDelete = seq();
    db.prepare(`DELETE FROM messages WHERE id = 'new'`).run(); // cascades to the reaction
    expect(changeOf('new')).toBeGreaterThan(beforeDelete);
    expect(changeOf('new')).toBe(seq());
    // A tombstone: the id stays in message_changes after the row is gone.
    expect(db.prepare(`SELECT count(*) FROM messages WHERE id = 'new'`).pluck().get()).toBe(0);

    for (const sql of [
      `UPDATE contacts SET trust = 'changed'`, `INSERT INTO settings (key, value) VALUES ('privacy.readReceipts', '0')`,
      `UPDATE conversations SET title = 'y'`, `INSERT INTO contact_devices (address, account_id, device_id, identity_key, trust, updated_at) VALUES ('a.d', 'acc1', 'd', x'00', 'unverified', 1)`,
    ]) {
      const before = seq();
      db.prepare(sql).run();
      expect(seq(), sql).toBe(before + 1);
    }
    const before = seq();
    db.prepare(`UPDATE conversations SET last_message_at = 99`).run(); // activity, not state
    expect(seq()).toBe(before);
    db.close();
  });

  it('migration 5 keeps seeded v4 own devices and adds an empty last-seen time', async () => {
    const db = await freshDb();
    migrate(db, 4);
    db.prepare(`INSERT INTO own_devices (device_id, name, is_this_device, created_at) VALUES ('d1', 'Studio desktop', 1, 10), ('d2', 'Laptop', 0, 20)`).run();
    migrate(db, 5);
    expect(schemaVersion(db)).toBe(5);
    expect(db.prepare('SELECT device_id, name, is_this_device, created_at, last_seen_at FROM own_devices ORDER BY device_id').all()).toEqual([
      { device_id: 'd1', name: 'Studio desktop', is_this_device: 1, created_at: 10, last_seen_at: null },
      { device_id: 'd2', name: 'Laptop', is_this_device: 0, created_at: 20, last_seen_at: null },
    ]);
    db.prepare(`UPDATE own_devices SET last_seen_at = 30 WHERE device_id = 'd2'`).run();
    expect(db.prepare(`SELECT last_seen_at FROM own_devices WHERE device_id = 'd2'`).pluck().get()).toBe(30);
    db.close();
  });

  it('migration 6 keeps seeded v5 rows and adds an empty audit log that changes no backup counter', async () => {
    const db = await freshDb();
    migrate(db, 5);
    db.prepare(`INSERT INTO own_devices (device_id, name, is_this_device, created_at, last_seen_at) VALUES ('d1', 'Studio desktop', 1, 10, NULL), ('d2', 'Laptop', 0, 20, 30)`).run();
    db.prepare(`INSERT INTO conversations (id, kind, title, created_at) VALUES ('c1', 'direct', 'x', 1)`).run();
    db.prepare(`INSERT INTO messages (id, conversation_id, sender, direction, body, sent_at, received_at, state) VALUES ('m1', 'c1', 's', 'in', 'before v6', 5, 6, 'delivered')`).run();
    db.prepare(`INSERT INTO contacts (account_id, display_name, created_at, trust) VALUES ('acc1', 'Zoë', 3, 'verified')`).run();
    const seqBefore = db.prepare('SELECT seq FROM change_counter').pluck().get();
    migrate(db, 6);
    expect(schemaVersion(db)).toBe(6);
    expect(db.prepare('SELECT device_id, last_seen_at FROM own_devices ORDER BY device_id').all()).toEqual([
      { device_id: 'd1', last_seen_at: null }, { device_id: 'd2', last_seen_at: 30 },
    ]);
    expect(db.prepare(`SELECT body FROM messages WHERE id = 'm1'`).pluck().get()).toBe('before v6');
    expect(db.prepare(`SELECT display_name, trust FROM contacts`).get()).toEqual({ display_name: 'Zoë', trust: 'verified' });
    expect(db.prepare('SELECT count(*) FROM audit_log').pluck().get()).toBe(0);
    db.prepare(`INSERT INTO audit_log (at, kind, address, account_id, detail) VALUES (40, 'decrypt.failed', 'acc1.d9', 'acc1', '{}')`).run();
    expect(db.prepare(`SELECT kind FROM audit_log WHERE account_id = 'acc1'`).pluck().all()).toEqual(['decrypt.failed']);
    expect(db.prepare('SELECT seq FROM change_counter').pluck().get()).toBe(seqBefore);
    db.close();
  });

  it('migration 7 keeps seeded v6 messages as plain texts and adds an empty resend log and effect queue', async () => {
    const db = await freshDb();
    migrate(db, 6);
    db.prepare(`INSERT INTO conversations (id, kind, title, created_at) VALUES ('c1', 'direct', 'x', 1)`).run();
    db.prepare(`INSERT INTO messages (id, conversation_id, sender, direction, body, sent_at, received_at, state) VALUES ('m1', 'c1', 's', 'out', 'ünïcode', 5, 6, 'sent')`).run();
    migrate(db, 7);
    expect(schemaVersion(db)).toBe(7);
    expect(db.prepare(`SELECT kind, body, state FROM messages WHERE id = 'm1'`).get()).toEqual({ kind: 'text', body: 'ünïcode', state: 'sent' });
    expect(db.prepare('SELECT count(*) FROM resend_log').pluck().get()).toBe(0);
    expect(db.prepare('SELECT count(*) FROM pending_effects').pluck().get()).toBe(0);
    expect(db.prepare('SELECT count(*) FROM owed_receipts').pluck().get()).toBe(0);
    expect(() => db.prepare(`UPDATE messages SET kind = 'bogus' WHERE id = 'm1'`).run()).toThrow();
    db.close();
  });

  it('migration 8 keeps seeded v7 contacts unflagged and adds an empty table of list versions that refuses duplicates', async () => {
    const db = await freshDb();
    migrate(db, 7);
    db.prepare(`INSERT INTO contacts (account_id, display_name, created_at, trust, relay_url) VALUES ('acc1', 'Zoë', 3, 'verified', 'ws://r')`).run();
    migrate(db, 8);
    expect(schemaVersion(db)).toBe(8);
    expect(db.prepare(`SELECT display_name, trust, relay_url, list_warning FROM contacts`).get()).toEqual({ display_name: 'Zoë', trust: 'verified', relay_url: 'ws://r', list_warning: null });
    expect(db.prepare('SELECT count(*) FROM device_list_heads').pluck().get()).toBe(0);
    db.prepare(`INSERT INTO device_list_heads (account_id, version, head, seen_at) VALUES ('acc1', 3, 'h', 1)`).run();
    expect(() => db.prepare(`INSERT INTO device_list_heads (account_id, version, head, seen_at) VALUES ('acc1', 4, 'h2', 2)`).run()).toThrow();
    db.close();
  });

  it('migration 9 keeps seeded v8 messages and adds an empty event outbox whose rows go with their message', async () => {
    const db = await freshDb();
    migrate(db, 8);
    db.prepare(`INSERT INTO conversations (id, kind, title, created_at) VALUES ('c1', 'direct', 'x', 1)`).run();
    db.prepare(`INSERT INTO messages (id, conversation_id, sender, direction, body, sent_at, received_at, state) VALUES ('m1', 'c1', 's', 'in', 'before v9', 5, 6, 'delivered')`).run();
    migrate(db, 9);
    expect(schemaVersion(db)).toBe(9);
    expect(db.prepare(`SELECT body, kind FROM messages WHERE id = 'm1'`).get()).toEqual({ body: 'before v9', kind: 'text' });
    expect(db.prepare('SELECT count(*) FROM received_events').pluck().get()).toBe(0);
    db.prepare(`INSERT INTO received_events (conversation_id, sender, message_id, type, detail, received_at) VALUES ('c1', 's', 'm1', 'edit', '{}', 7)`).run();
    expect(() => db.prepare(`INSERT INTO received_events (conversation_id, sender, type, detail, received_at) VALUES ('c1', 's', 'bogus', '{}', 7)`).run()).toThrow();
    db.prepare(`DELETE FROM messages WHERE id = 'm1'`).run();
    expect(db.prepare('SELECT count(*) FROM received_events').pluck().get()).toBe(0);
    db.close();
  });

  it('migration 10 keeps seeded v9 contacts, their pending key and trust, with no conflicting key', async () => {
    const db = await freshDb();
    migrate(db, 9);
    db.prepare(`INSERT INTO contacts (account_id, display_name, created_at, trust, pending_account_id, relay_url, list_warning) VALUES ('acc1', 'Zoë', 3, 'changed', 'acc2', 'ws://r', 'list-withheld')`).run();
    db.prepare(`INSERT INTO contacts (account_id, display_name, created_at, trust) VALUES ('acc3', 'Ilse', 4, 'verified')`).run();
    migrate(db, 10);
    expect(schemaVersion(db)).toBe(10);
    expect(db.prepare(`SELECT account_id, trust, pending_account_id, list_warning, conflict_account_id FROM contacts ORDER BY account_id`).all()).toEqual([
      { account_id: 'acc1', trust: 'changed', pending_account_id: 'acc2', list_warning: 'list-withheld', conflict_account_id: null },
      { account_id: 'acc3', trust: 'verified', pending_account_id: null, list_warning: null, conflict_account_id: null },
    ]);
    db.close();
  });

  it('migration 11 keeps seeded v10 conversations and messages and adds empty group tables whose rows go with their group', async () => {
    const db = await freshDb();
    migrate(db, 10);
    db.prepare(`INSERT INTO conversations (id, kind, title, created_at) VALUES ('c1', 'direct', 'x', 1)`).run();
    db.prepare(`INSERT INTO messages (id, conversation_id, sender, direction, body, sent_at, received_at, state) VALUES ('m1', 'c1', 's', 'in', 'before v11', 5, 6, 'delivered')`).run();
    db.prepare(`INSERT INTO received_events (conversation_id, sender, message_id, type, detail, received_at) VALUES ('c1', 's', 'm1', 'edit', '{}', 7)`).run();
    migrate(db, 11);
    expect(schemaVersion(db)).toBe(11);
    expect(db.prepare(`SELECT body FROM messages WHERE id = 'm1'`).pluck().get()).toBe('before v11');
    expect(db.prepare('SELECT count(*) FROM received_events').pluck().get()).toBe(1);
    for (const t of ['groups', 'group_state_versions', 'group_members', 'group_sender_keys', 'group_key_given', 'group_pending', 'group_receipts']) {
      expect(db.prepare(`SELECT count(*) FROM ${t}`).pluck().get()).toBe(0);
    }
    const seq = () => db.prepare('SELECT seq FROM change_counter').pluck().get() as number;
    const before = seq();
    db.prepare(`INSERT INTO groups (id, genesis, status, updated_at) VALUES ('g1', 'h', 'member', 1)`).run();
    expect(seq()).toBeGreaterThan(before);
    db.prepare(`INSERT INTO group_members (group_id, account_id, role, name, position) VALUES ('g1', 'a', 'admin', 'Ada', 0)`).run();
    db.prepare(`INSERT INTO group_state_versions (group_id, hash, height, version) VALUES ('g1', 'h', 1, '{}')`).run();
    db.prepare(`INSERT INTO group_pending (group_id, sender, placeholder, message, received_at) VALUES ('g1', 'a.d', 'p', x'00', 1)`).run();
    expect(() => db.prepare(`INSERT INTO groups (id, genesis, status, updated_at) VALUES ('g2', 'h', 'bogus', 1)`).run()).toThrow();
    db.prepare(`INSERT INTO group_receipts (message_id, account_id, kind, at) VALUES ('m1', 'a', 'read', 1)`).run();
    expect(() => db.prepare(`INSERT INTO group_receipts (message_id, account_id, kind, at) VALUES ('m1', 'b', 'seen', 1)`).run()).toThrow();
    expect(() => db.prepare(`INSERT INTO group_members (group_id, account_id, role, name, position) VALUES ('g1', 'b', 'owner', 'B', 1)`).run()).toThrow();
    db.pragma('foreign_keys = ON');
    db.prepare(`DELETE FROM groups WHERE id = 'g1'`).run();
    for (const t of ['group_members', 'group_state_versions', 'group_pending']) expect(db.prepare(`SELECT count(*) FROM ${t}`).pluck().get()).toBe(0);
    db.close();
  });

  it('migration 12 keeps seeded v11 groups and messages and adds an empty group upload outbox whose rows go with their group', async () => {
    const db = await freshDb();
    migrate(db, 11);
    db.prepare(`INSERT INTO conversations (id, kind, title, created_at) VALUES ('g1', 'group', 'Pier', 1)`).run();
    db.prepare(`INSERT INTO messages (id, conversation_id, sender, direction, body, sent_at, received_at, state) VALUES ('m1', 'g1', 's', 'out', 'before v12', 5, 6, 'queued')`).run();
    db.prepare(`INSERT INTO groups (id, genesis, status, updated_at) VALUES ('g1', 'h', 'member', 1)`).run();
    db.prepare(`INSERT INTO group_members (group_id, account_id, role, name, position) VALUES ('g1', 'a', 'admin', 'Ada', 0)`).run();
    migrate(db, 12);
    expect(schemaVersion(db)).toBe(12);
    expect(db.prepare(`SELECT body, state FROM messages WHERE id = 'm1'`).get()).toEqual({ body: 'before v12', state: 'queued' });
    expect(db.prepare(`SELECT count(*) FROM group_members WHERE group_id = 'g1'`).pluck().get()).toBe(1);
    expect(db.prepare('SELECT count(*) FROM group_uploads').pluck().get()).toBe(0);
    db.prepare(`INSERT INTO group_uploads (group_id, message_id, recipients, payload, created_at) VALUES ('g1', 'm1', '["a.d"]', x'00', 7)`).run();
    expect(() => db.prepare(`INSERT INTO group_uploads (group_id, message_id, recipients, created_at) VALUES ('g1', 'm1', '[]', 7)`).run()).toThrow();
    db.pragma('foreign_keys = ON');
    db.prepare(`DELETE FROM groups WHERE id = 'g1'`).run();
    expect(db.prepare('SELECT count(*) FROM group_uploads').pluck().get()).toBe(0);
    db.close();
  });

  it('migration 13 keeps seeded v12 messages searchable, and later messages wait to be indexed while edits and deletes keep the index right', async () => {
    const db = await freshDb();
    migrate(db, 12);
    db.prepare(`INSERT INTO conversations (id, kind, title, created_at) VALUES ('c1', 'direct', 'x', 1)`).run();
    const add = db.prepare(`INSERT INTO messages (id, conversation_id, sender, direction, body, sent_at, received_at, state) VALUES (?, 'c1', 's', 'in', ?, 5, 6, 'delivered')`);
    add.run('m1', 'crème brûlée before v13');
    add.run('m2', 'tarte tatin before v13');
    add.run('m3', 'clafoutis before v13');
    migrate(db, 13);
    expect(schemaVersion(db)).toBe(13);
    const hits = (q: string): unknown[] => db.prepare(`SELECT m.id FROM messages_fts f JOIN messages m ON m.rowid = f.rowid WHERE messages_fts MATCH ? ORDER BY m.id`).pluck().all(q);
    expect(hits('creme')).toEqual(['m1']);
    expect(db.prepare('SELECT count(*) FROM search_pending').pluck().get()).toBe(0);
    add.run('m4', 'crème anglaise after v13');
    expect(db.prepare('SELECT count(*) FROM search_pending').pluck().get()).toBe(1);
    expect(hits('creme')).toEqual(['m1']);
    db.prepare(`UPDATE messages SET body = 'pear tart' WHERE id = 'm2'`).run();
    db.prepare(`DELETE FROM messages WHERE id = 'm3'`).run();
    db.prepare(`UPDATE messages SET body = 'crème pâtissière' WHERE id = 'm4'`).run();
    expect(hits('tatin')).toEqual([]);
    expect(hits('pear')).toEqual(['m2']);
    expect(hits('clafoutis')).toEqual([]);
    new SearchIndex(db).flush();
    expect(hits('creme')).toEqual(['m1', 'm4']);
    expect(hits('anglaise')).toEqual([]);
    db.prepare(`INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)`).run();
    db.close();
  });

  it('migration 14 gives seeded v13 group versions the time their group was first held here, and adds member key changes that go with their group and reach backups', async () => {
    const db = await freshDb();
    migrate(db, 13);
    db.prepare(`INSERT INTO conversations (id, kind, title, created_at) VALUES ('g1', 'group', 'Pier', 1000)`).run();
    db.prepare(`INSERT INTO groups (id, genesis, status, updated_at) VALUES ('g1', 'h1', 'member', 3000)`).run();
    db.prepare(`INSERT INTO groups (id, genesis, status, updated_at) VALUES ('g2', 'h3', 'removed', 4000)`).run(); // no conversation row
    const version = db.prepare(`INSERT INTO group_state_versions (group_id, hash, height, version) VALUES (?, ?, ?, '{}')`);
    version.run('g1', 'h1', 1);
    version.run('g1', 'h2', 2);
    version.run('g2', 'h3', 1);
    migrate(db, 14);
    expect(schemaVersion(db)).toBe(14);
    expect(db.prepare('SELECT group_id, hash, height, version, adopted_at FROM group_state_versions ORDER BY hash').raw().all()).toEqual([
      ['g1', 'h1', 1, '{}', 1000], ['g1', 'h2', 2, '{}', 1000], ['g2', 'h3', 1, '{}', 4000],
    ]);
    version.run('g1', 'h4', 3);
    expect(db.prepare(`SELECT adopted_at FROM group_state_versions WHERE hash = 'h4'`).pluck().get()).toBe(0);
    expect(db.prepare('SELECT count(*) FROM group_key_changes').pluck().get()).toBe(0);
    const seq = () => db.prepare('SELECT seq FROM change_counter').pluck().get() as number;
    const before = seq();
    const change = db.prepare(`INSERT INTO group_key_changes (group_id, account_id, new_account_id, at) VALUES ('g1', 'a', ?, 5)`);
    change.run('b');
    expect(seq()).toBeGreaterThan(before); // a backup carries it
    expect(() => change.run('b')).toThrow();
    expect(() => db.prepare(`INSERT INTO group_key_changes (group_id, account_id, new_account_id) VALUES ('g1', 'a', 'c')`).run()).toThrow();
    db.pragma('foreign_keys = ON');
    db.prepare(`DELETE FROM groups WHERE id = 'g1'`).run();
    expect(db.prepare('SELECT count(*) FROM group_key_changes').pluck().get()).toBe(0);
    db.close();
  });

  it('migration 15 keeps seeded v14 resend entries findable by recipient and digest, from an index in the log’s order', async () => {
    const db = await freshDb();
    migrate(db, 14);
    const ins = db.prepare('INSERT INTO resend_log (recipient, digest, content, message_id, created_at) VALUES (?, ?, ?, ?, ?)');
    const digest = (i: number) => new Uint8Array(32).fill(i);
    ins.run('a.d1', digest(1), new Uint8Array([1]), 'm1', 10);
    ins.run('a.d2', digest(2), new Uint8Array([2]), 'm1', 10);
    ins.run('a.d1', null, new Uint8Array([3]), 'm2', 20);
    ins.run('a.d1', digest(4), new Uint8Array([4]), 'm3', 30);
    migrate(db, 15);
    expect(schemaVersion(db)).toBe(15);
    const indexes = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'resend_log' ORDER BY name`).pluck().all();
    expect(indexes).toEqual(['resend_log_created', 'resend_log_recipient', 'resend_log_unsent']);
    // The v15 queries by recipient text (v21 moved the log to integer address keys and the repository with it).
    const find = db.prepare('SELECT content FROM resend_log WHERE recipient = ? AND digest = ?').pluck();
    expect([...(find.get('a.d1', digest(4)) as Uint8Array)]).toEqual([4]);
    expect([...(find.get('a.d2', digest(2)) as Uint8Array)]).toEqual([2]);
    expect(find.get('a.d2', digest(1))).toBeUndefined();
    expect(db.prepare('SELECT content FROM resend_log WHERE digest IS NULL').pluck().all().map((c) => [...(c as Uint8Array)])).toEqual([[3]]);
    ins.run('a.d1', digest(5), new Uint8Array([5]), 'm4', 40);
    expect(db.prepare('SELECT content FROM resend_log WHERE recipient = ? ORDER BY id').pluck().all('a.d1').map((c) => [...(c as Uint8Array)])).toEqual([[1], [3], [4], [5]]);
    const plan = (sql: string, ...args: unknown[]) => db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args).map((r) => (r as { detail: string }).detail).join(' | ');
    expect(plan('SELECT id FROM resend_log WHERE recipient = ? AND digest = ?', 'a.d2', digest(2))).toContain('USING COVERING INDEX resend_log_recipient');
    expect(plan('SELECT content FROM resend_log WHERE recipient = ? ORDER BY id', 'a.d2')).not.toContain('TEMP B-TREE');
    db.close();
  });

  it('migration 16 keeps seeded v15 groups and adds an empty table of held group content, bounded per sender and by age', async () => {
    const db = await freshDb();
    migrate(db, 15);
    db.prepare(`INSERT INTO groups (id, genesis, status, updated_at) VALUES ('g1', 'h1', 'member', 3000)`).run();
    migrate(db, 16);
    expect(schemaVersion(db)).toBe(16);
    expect(db.prepare('SELECT id, status FROM groups').all()).toEqual([{ id: 'g1', status: 'member' }]);
    let now = 10_000;
    const held = new GroupHeldRepo(db, () => now);
    expect(held.has('g2')).toBe(false);
    // No foreign key: content for a group not known here yet is kept.
    for (let i = 0; i < GROUP_HELD_PER_SENDER + 3; i++) expect(held.hold('g2', 'a.d1', new Uint8Array([i]))).toBe(i < GROUP_HELD_PER_SENDER ? 0 : 1);
    held.hold('g1', 'b.d2', new Uint8Array([7]), 5);
    const kept = held.take('g2');
    expect(kept).toHaveLength(GROUP_HELD_PER_SENDER);
    expect([...kept[0]!.content]).toEqual([3]);
    expect(held.has('g2')).toBe(false);
    now = 5 + GROUP_HELD_TTL_MS + 1;
    expect([...held.prune()]).toEqual([['b.d2', 1]]);
    expect(held.has('g1')).toBe(false);
    db.close();
  });

  it('migration 17 keeps seeded v16 rows and adds an empty table of owed list refreshes', async () => {
    const db = await freshDb();
    migrate(db, 16);
    db.prepare(`INSERT INTO contacts (account_id, display_name, created_at) VALUES ('ben', 'Ben', 3)`).run();
    db.prepare(`INSERT INTO device_list_heads (account_id, version, head, seen_at) VALUES ('ben', 2, 'h2', 4)`).run();
    new GroupHeldRepo(db, () => 5).hold('g1', 'ben.d1', new Uint8Array([9]));
    migrate(db, 17);
    expect(schemaVersion(db)).toBe(17);
    expect(db.prepare('SELECT account_id, display_name FROM contacts').all()).toEqual([{ account_id: 'ben', display_name: 'Ben' }]);
    expect(db.prepare('SELECT version, head FROM device_list_heads').get()).toEqual({ version: 2, head: 'h2' });
    expect(new GroupHeldRepo(db).take('g1').map((h) => [...h.content])).toEqual([[9]]);
    expect(db.prepare('SELECT count(*) AS n FROM owed_list_refreshes').get()).toEqual({ n: 0 });
    db.prepare(`INSERT INTO owed_list_refreshes (account_id, noted_at) VALUES ('ben', 100)`).run();
    expect(db.prepare('SELECT account_id, notes, attempts, next_try_at FROM owed_list_refreshes').all()).toEqual([{ account_id: 'ben', notes: 1, attempts: 0, next_try_at: 0 }]);
    db.close();
  });

  it('migration 18 keeps seeded v17 owed refreshes with no claimed version; a note keeps the highest claim, a later note keeps it, and a failure backs off', async () => {
    const db = await freshDb();
    migrate(db, 17);
    db.prepare(`INSERT INTO owed_list_refreshes (account_id, noted_at, notes, attempts, next_try_at) VALUES ('dee', 50, 3, 2, 70)`).run();
    migrate(db, 18);
    expect(schemaVersion(db)).toBe(18);
    const owed = new ListRefreshRepo(db, () => 1_000);
    expect(owed.all()).toEqual([{ accountId: 'dee', notes: 3, attempts: 2, claimed: 0 }]);
    expect(owed.clear('dee', 3)).toBe(true);
    expect(owed.hasDue(1_000)).toBe(false);
    owed.note(['ben', 'cai', 'ben'], 100, new Map([['ben', 4]]));
    expect(owed.all()).toEqual([{ accountId: 'ben', notes: 1, attempts: 0, claimed: 4 }, { accountId: 'cai', notes: 1, attempts: 0, claimed: 0 }]);
    // A lower claim (or none) never lowers the kept one; a higher one raises it.
    owed.note(['ben'], 150, new Map([['ben', 2]]));
    expect(owed.owed('ben')).toEqual({ accountId: 'ben', notes: 2, attempts: 0, claimed: 4 });
    owed.note(['ben'], 160, new Map([['ben', 6]]));
    expect(owed.owed('ben')?.claimed).toBe(6);
    expect(owed.owed('nobody')).toBeNull();
    // A refresh that began before a later note does not clear it; one that began after does.
    const token = owed.notes('ben')!;
    owed.note(['ben'], 200);
    expect(owed.clear('ben', token)).toBe(false);
    expect(owed.clear('ben', owed.notes('ben')!)).toBe(true);
    expect(owed.notes('ben')).toBeNull();
    // A failure backs off, doubling up to the cap; a new note makes it due at once.
    expect(owed.failed('cai', 1_000)).toBe(LIST_REFRESH_RETRY_BASE_MS);
    expect(owed.failed('cai', 1_000)).toBe(LIST_REFRESH_RETRY_BASE_MS * 2);
    expect(owed.hasDue(1_000)).toBe(false);
    expect(owed.due(1_000 + LIST_REFRESH_RETRY_BASE_MS * 2, 10)).toEqual([{ accountId: 'cai', notes: 1, attempts: 2, claimed: 0 }]);
    for (let i = 0; i < 40; i++) owed.failed('cai', 1_000);
    expect(owed.failed('cai', 1_000)).toBe(LIST_REFRESH_RETRY_MAX_MS);
    expect(owed.due(Infinity, 10)).toHaveLength(1);
    owed.note(['cai'], 300);
    expect(owed.due(0, 10)).toEqual([{ accountId: 'cai', notes: 2, attempts: 0, claimed: 0 }]);
    expect(owed.failed('nobody', 1_000)).toBeNull();
    const plan = db.prepare('EXPLAIN QUERY PLAN SELECT 1 FROM owed_list_refreshes WHERE next_try_at <= ? LIMIT 1').all(5).map((r) => (r as { detail: string }).detail).join(' | ');
    expect(plan).toContain('owed_list_refreshes_due');
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
