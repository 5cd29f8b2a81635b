/**
 * Change counters per table or per column (src/main/store/tableWatch.ts)
 * on a real store: a `table.column` watch moves on inserts, deletes and
 * updates of that column, not on updates of the row's other columns, and a
 * cache over it reads again exactly when it must.
 */
import { describe, expect, it } from 'vitest';
import { TableWatch, WatchedCache } from '../../../src/main/store/tableWatch';
import { rawKeyStore, reopen } from '../../support/storeFixture';
import { keyId } from '../backup/seed';

const conversation = (id: string) => ({ id, kind: 'direct' as const, peerAccountId: id, title: 'Cai', expireTimerMs: null });

describe('table watches', () => {
  it('counts a column’s updates, inserts and deletes, not updates of the row’s other columns', async () => {
    const { store } = await rawKeyStore();
    const watch = TableWatch.of(store.db, ['conversations.expire_timer_ms', 'conversations']);
    const column = (): number => watch.version(['conversations.expire_timer_ms']);
    const table = (): number => watch.version(['conversations']);
    const id = keyId();
    const [c0, t0] = [column(), table()];
    store.messages.upsertConversation(conversation(id), 1);
    expect([column() > c0, table() > t0]).toEqual([true, true]);
    const [c1, t1] = [column(), table()];
    store.messages.insert({ id: keyId(), conversationId: id, sender: id, direction: 'in', body: 'hi', sentAt: 5, receivedAt: 5, state: 'delivered' });
    expect(column()).toBe(c1); // the insert bumped last_message_at only
    expect(table()).toBeGreaterThan(t1);
    store.messages.setTimer(id, 60_000);
    expect(column()).toBeGreaterThan(c1);
  });

  it('serves a kept read until a watched column changes, then reads again', async () => {
    const { store } = await rawKeyStore();
    const id = keyId();
    store.messages.upsertConversation(conversation(id), 1);
    const tables = ['conversations.expire_timer_ms'];
    const cache = new WatchedCache<string, number | null>(store.db, TableWatch.of(store.db, tables), tables, 4);
    let reads = 0;
    const timer = (): number | null => cache.get(id, () => (reads++, store.messages.timerOf(id)));
    expect(timer()).toBeNull();
    store.messages.insert({ id: keyId(), conversationId: id, sender: id, direction: 'in', body: 'hi', sentAt: 5, receivedAt: 5, state: 'delivered' });
    expect([timer(), reads]).toEqual([null, 1]);
    store.messages.setTimer(id, 60_000);
    expect([timer(), reads]).toEqual([60_000, 2]);
  });

  it('reads another connection’s commits once per run of synchronous code, and sees them from the next turn', async () => {
    const { store, dbPath, key } = await rawKeyStore();
    const id = keyId();
    store.messages.upsertConversation(conversation(id), 1);
    const tables = ['conversations.expire_timer_ms'];
    const cache = new WatchedCache<string, number | null>(store.db, TableWatch.of(store.db, tables), tables, 4);
    const timer = (): number | null => cache.get(id, () => store.messages.timerOf(id));
    expect(timer()).toBeNull();
    await new Promise<void>((r) => setImmediate(r));
    const other = reopen(dbPath, key);
    other.messages.setTimer(id, 30_000);
    other.close();
    await new Promise<void>((r) => setImmediate(r));
    expect(timer()).toBe(30_000);
  });
});
