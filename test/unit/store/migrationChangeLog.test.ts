import path from 'node:path';
import sodium from 'libsodium-wrappers-sumo';
import { describe, expect, it } from 'vitest';
import { openEncryptedDatabase } from '../../../src/main/store/database';
import { migrate, schemaVersion } from '../../../src/main/store/schema';
import { SecretKey } from '../../../src/main/store/secretKey';
import { CHANGE_LOG_COMPACT_SLACK, STORE_SCHEMA_VERSION } from '../../../src/shared/constants';
import { COMPACTED_SIZE_SETTING, compactChanges, currentChangeSeq, exportChanges, hasMessageChanges, pruneChanges } from '../../../src/main/snapshot/changes';
import { reopen, tempDir } from '../../support/storeFixture';

const NOW = 1_700_000_000_000;
const ID = (n: number) => `message-id-v19-${String(n).padStart(4, '0')}`;

/** A v19 store: five messages, one changed twice, one with a reaction, one deleted (a tombstone); `cursor`: a backup confirmed after the first two. */
async function seededV19(): Promise<{ dbPath: string; key: Uint8Array; cursor: number; seq: number; changes: [number, string][] }> {
  await sodium.ready;
  const key = sodium.randombytes_buf(32);
  const dbPath = path.join(tempDir(), 'parley.db');
  const db = openEncryptedDatabase(dbPath, new SecretKey(key.slice()));
  migrate(db, 19);
  db.prepare(`INSERT INTO conversations (id, kind, title, created_at) VALUES ('c1', 'direct', 'Zoë', 1)`).run();
  const ins = db.prepare(`INSERT INTO messages (id, conversation_id, sender, direction, body, sent_at, received_at, state) VALUES (?, 'c1', 'c1', 'in', ?, ?, ?, 'delivered')`);
  for (let n = 1; n <= 5; n++) ins.run(ID(n), `text ${n}`, NOW + n, NOW + n);
  const cursor = db.prepare('SELECT seq FROM change_counter').pluck().get() as number;
  db.prepare(`UPDATE messages SET state = 'read' WHERE id = ?`).run(ID(2));
  db.prepare(`UPDATE messages SET body = 'edited' WHERE id = ?`).run(ID(2));
  db.prepare(`INSERT INTO reactions (message_id, sender, emoji, reacted_at) VALUES (?, 'c1', '👍', 9)`).run(ID(3));
  db.prepare(`DELETE FROM messages WHERE id = ?`).run(ID(4));
  const seq = db.prepare('SELECT seq FROM change_counter').pluck().get() as number;
  const changes = db.prepare('SELECT seq, message_id FROM message_changes ORDER BY seq').raw().all() as [number, string][];
  db.close();
  return { dbPath, key, cursor, seq, changes };
}

describe('migration 20: message changes appended to a log', () => {
  it('keeps every change of seeded v19 rows at its seq, so a backup cursor from before the upgrade misses nothing', async () => {
    const { dbPath, key, cursor, seq, changes } = await seededV19();
    expect(changes).toHaveLength(5);
    const store = reopen(dbPath, key);
    expect(schemaVersion(store.db)).toBe(STORE_SCHEMA_VERSION);
    expect(currentChangeSeq(store)).toBe(seq);
    expect(store.db.prepare('SELECT seq, message_id FROM message_change_log ORDER BY seq').raw().all()).toEqual(changes);
    expect(store.db.prepare(`SELECT name FROM sqlite_master WHERE name LIKE 'message_changes%'`).pluck().all()).toEqual([]);
    // What a backup confirmed at `cursor` still owes: the edit, the reaction and the deletion, each once.
    const owed = [...exportChanges(store, cursor, seq, { now: NOW, chunkSize: 1 })];
    expect(owed.flatMap((c) => c.records).map((r) => [r.id, r.body])).toEqual([[ID(2), 'edited'], [ID(3), 'text 3']]);
    expect(owed.flatMap((c) => c.tombstones)).toEqual([ID(4)]);
    expect(hasMessageChanges(store, cursor, seq)).toBe(true);
    expect(hasMessageChanges(store, seq, seq)).toBe(false);
    store.close();
  });

  it('logs each later write to a message or its reactions under a fresh seq, and prunes by seq', async () => {
    const { dbPath, key, seq } = await seededV19();
    const store = reopen(dbPath, key);
    store.messages.insert({ id: ID(6), conversationId: 'c1', sender: 'c1', direction: 'in', body: 'after', sentAt: NOW + 6, receivedAt: NOW + 6, state: 'delivered' });
    store.db.prepare(`UPDATE messages SET state = 'read' WHERE id = ?`).run(ID(6));
    store.db.prepare(`DELETE FROM reactions WHERE message_id = ?`).run(ID(3));
    const after = store.db.prepare('SELECT seq, message_id FROM message_change_log WHERE seq > ? ORDER BY seq').raw().all(seq);
    expect(after).toEqual([[seq + 1, ID(6)], [seq + 2, ID(6)], [seq + 3, ID(3)]]);
    expect(currentChangeSeq(store)).toBe(seq + 3);
    expect(pruneChanges(store, seq)).toBe(5);
    expect(store.db.prepare('SELECT count(*) FROM message_change_log').pluck().get()).toBe(3);
    expect([...exportChanges(store, 0, currentChangeSeq(store), { now: NOW })].flatMap((c) => c.records).map((r) => r.id)).toEqual([ID(6), ID(3)]);
    store.close();
  });

  it('compacts a log that grew by the slack to each id’s latest entry, and every range still reports the ids changed in it', async () => {
    const { dbPath, key, cursor } = await seededV19();
    const store = reopen(dbPath, key);
    expect(compactChanges(store)).toBe(0); // a small log is left alone
    const touch = store.db.prepare('UPDATE messages SET received_at = ? WHERE id = ?');
    store.db.transaction(() => {
      for (let i = 0; i < CHANGE_LOG_COMPACT_SLACK; i++) touch.run(i, ID(1 + (i % 3)));
    })();
    const seq = currentChangeSeq(store);
    const idsIn = (after: number) => [...exportChanges(store, after, seq, { now: NOW })].flatMap((c) => [...c.records.map((r) => r.id), ...c.tombstones]).sort();
    const before = { all: idsIn(0), sinceCursor: idsIn(cursor), lastChanges: idsIn(seq - 2) };
    const size = store.db.prepare('SELECT count(*) FROM message_change_log').pluck().get() as number;
    expect(compactChanges(store)).toBe(size - 5);
    expect(store.db.prepare('SELECT message_id, seq FROM message_change_log ORDER BY message_id').raw().all())
      .toEqual(store.db.prepare('SELECT message_id, max(seq) FROM message_change_log GROUP BY message_id ORDER BY message_id').raw().all());
    expect({ all: idsIn(0), sinceCursor: idsIn(cursor), lastChanges: idsIn(seq - 2) }).toEqual(before);
    expect(before.lastChanges).toEqual([ID(1), ID(2)]); // the last two updates
    expect(compactChanges(store)).toBe(0); // not again until the log grew by the slack once more
    store.close();
    const again = reopen(dbPath, key); // nor after a restart: the compacted size is kept in the store (a local setting)
    expect(again.directory.setting(COMPACTED_SIZE_SETTING)).toBe('5');
    expect(compactChanges(again)).toBe(0);
    again.close();
  });
});
