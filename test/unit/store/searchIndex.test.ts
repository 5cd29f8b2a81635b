import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { NewMessage } from '../../../src/main/store/messages';
import type { LocalStore } from '../../../src/main/store/store';
import { IdleIndexer } from '../../../src/main/conversations/searchIndexer';
import type { AuditKind } from '../../../src/shared/audit';
import { SEARCH_INDEX_CHUNK } from '../../../src/shared/constants';
import { conv, rawKeyStore, reopen } from '../../support/storeFixture';

const msg = (i: number, body = `message number ${i} about walruses`): NewMessage => ({
  id: `m${String(i).padStart(5, '0')}`, conversationId: 'c1', sender: 'peer', direction: 'in', body,
  sentAt: 1000 + i, receivedAt: 2000 + i, state: 'delivered',
});
const pendingCount = (s: LocalStore): number => s.db.prepare('SELECT count(*) FROM search_pending').pluck().get() as number;
const indexedCount = (s: LocalStore): number => s.db.prepare(`SELECT count(*) FROM messages_fts_docsize`).pluck().get() as number;
/** Indexes what waits, then FTS5's own check that the index matches the messages table (it throws otherwise). */
const checkIndex = (s: LocalStore): void => {
  s.searchIndex.flush();
  s.db.prepare(`INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)`).run();
};
const ids = (ms: readonly { id: string }[]): string[] => ms.map((m) => m.id).sort();

describe('search index filled after the commit', () => {
  it('stores a message without indexing it, and a search indexes what waits first so it finds every message', async () => {
    const { store } = await rawKeyStore();
    store.messages.upsertConversation(conv('c1'));
    store.messages.insertMany([msg(1), msg(2)]);
    expect(pendingCount(store)).toBe(2);
    expect(indexedCount(store)).toBe(0);
    expect(ids(store.messages.search('walruses', 10))).toEqual([msg(1).id, msg(2).id]);
    expect(pendingCount(store)).toBe(0);
    expect(indexedCount(store)).toBe(2);
    checkIndex(store);
    store.close();
  });

  it('keeps the index right when a message is edited or deleted before or after it was indexed', async () => {
    const { store } = await rawKeyStore();
    store.messages.upsertConversation(conv('c1'));
    store.messages.insertMany([msg(1), msg(2)]);
    store.searchIndex.flush();
    store.messages.insertMany([msg(3), msg(4), msg(5)]);
    // Indexed: 1 edited, 2 deleted. Pending: 3 edited, 4 deleted, 5 erased (delete for everyone).
    store.messages.edit(msg(1).id, 'now about narwhals', 10);
    store.messages.delete(msg(2).id);
    store.messages.edit(msg(3).id, 'also about narwhals', 10);
    store.messages.delete(msg(4).id);
    store.messages.eraseBody(msg(5).id, 11);
    expect(pendingCount(store)).toBe(2);
    expect(ids(store.messages.search('narwhals', 10))).toEqual([msg(1).id, msg(3).id]);
    expect(store.messages.search('walruses', 10)).toEqual([]);
    checkIndex(store);
    store.messages.edit(msg(3).id, 'back to walruses', 12);
    store.messages.delete(msg(1).id);
    checkIndex(store);
    expect(ids(store.messages.search('walruses', 10))).toEqual([msg(3).id]);
    expect(store.messages.search('narwhals', 10)).toEqual([]);
    store.close();
  });

  it('indexes messages a closed or crashed profile left pending when the store is opened again', async () => {
    const { store, dbPath, key } = await rawKeyStore();
    store.messages.upsertConversation(conv('c1'));
    store.messages.insertMany([msg(1), msg(2), msg(3)]);
    store.searchIndex.indexSome(2);
    expect(pendingCount(store)).toBe(1);
    store.db.close(); // no checkpoint, no close work: as a killed process leaves it
    const again = reopen(dbPath, key);
    expect(again.searchIndex.hasPending()).toBe(true);
    expect(ids(again.messages.search('walruses', 10))).toEqual([msg(1).id, msg(2).id, msg(3).id]);
    checkIndex(again);
    again.close();
  });

  it('indexes in idle time one chunk per turn, and waits while the receive queue is busy', async () => {
    const { store } = await rawKeyStore();
    store.messages.upsertConversation(conv('c1'));
    const total = SEARCH_INDEX_CHUNK * 2 + 7;
    store.messages.insertMany(Array.from({ length: total }, (_, i) => msg(i)));
    const audited: AuditKind[] = [];
    let busy = true;
    const indexer = new IdleIndexer(store, () => busy, (kind) => void audited.push(kind));
    indexer.kick();
    expect(pendingCount(store)).toBe(total);
    busy = false;
    indexer.kick();
    expect(pendingCount(store)).toBe(total - SEARCH_INDEX_CHUNK); // one chunk now, the next on a later turn
    await new Promise((r) => setTimeout(r, 50));
    expect(pendingCount(store)).toBe(0);
    expect(indexedCount(store)).toBe(total);
    expect(audited).toEqual([]);
    checkIndex(store);
    store.close();
  });

  it('checkpoints the WAL into the main file once the index is drained, and not while anything is busy', async () => {
    const { store, dbPath } = await rawKeyStore();
    store.messages.upsertConversation(conv('c1'));
    store.checkpointIdle();
    const before = fs.statSync(dbPath).size;
    store.messages.insertMany(Array.from({ length: 500 }, (_, i) => msg(i)));
    let busy = true;
    const indexer = new IdleIndexer(store, () => busy, () => undefined);
    indexer.kick();
    expect(fs.statSync(dbPath).size).toBe(before); // the new pages are still only in the WAL
    busy = false;
    indexer.kick();
    await new Promise((r) => setTimeout(r, 50));
    expect(pendingCount(store)).toBe(0);
    expect(fs.statSync(dbPath).size).toBeGreaterThan(before);
    store.close();
  });

  it('audits an indexing failure and leaves the messages pending for search and the next try', async () => {
    const { store } = await rawKeyStore();
    store.messages.upsertConversation(conv('c1'));
    store.messages.insert(msg(1));
    const audited: AuditKind[] = [];
    const indexer = new IdleIndexer(store, () => false, (kind) => void audited.push(kind));
    store.db.exec('BEGIN IMMEDIATE');
    store.db.exec(`CREATE TEMP TRIGGER refuse BEFORE DELETE ON search_pending BEGIN SELECT RAISE(ABORT, 'refused'); END`);
    indexer.kick();
    store.db.exec('ROLLBACK');
    expect(audited).toEqual(['search.index_failed']);
    expect(pendingCount(store)).toBe(1);
    expect(ids(store.messages.search('walruses', 10))).toEqual([msg(1).id]);
    store.close();
  });

  it('audits an idle checkpoint that fails as a checkpoint failure, not an indexing one', async () => {
    const { store } = await rawKeyStore();
    const audited: AuditKind[] = [];
    const indexer = new IdleIndexer(store, () => false, (kind) => void audited.push(kind));
    store.db.exec('BEGIN IMMEDIATE'); // nothing pending to index; a checkpoint cannot run inside this connection's open write
    indexer.kick();
    store.db.exec('ROLLBACK');
    expect(audited).toEqual(['store.checkpoint_failed']);
    store.close();
  });
});
