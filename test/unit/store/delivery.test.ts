import { describe, expect, it } from 'vitest';
import type { NewMessage } from '../../../src/main/store/messages';
import { conv, rawKeyStore, reopen } from '../../support/storeFixture';

const addr = { accountId: 'acct-a', deviceId: 'dev-a' };
const message = (id: string, direction: 'in' | 'out' = 'in'): NewMessage => ({
  id, conversationId: 'c1', sender: 'acct-a', direction, body: `body ${id}`, sentAt: 1, receivedAt: 2, state: direction === 'in' ? 'delivered' : 'queued',
});

describe('atomic receive and send', () => {
  it('commits record, message, dedupe id and ack intent together; a second call is a duplicate that changes nothing', async () => {
    const { store, dbPath, key } = await rawKeyStore();
    store.messages.upsertConversation(conv('c1'));
    const c = { envelopeId: 'env-1', session: { address: addr, record: new Uint8Array([1]) }, message: message('m1') };
    expect(store.delivery.commitReceive(c)).toBe('stored');
    expect(store.delivery.commitReceive({ ...c, session: { address: addr, record: new Uint8Array([2]) }, message: message('m2') })).toBe('duplicate');
    expect(store.protocol.loadSessionSync(addr)).toEqual(new Uint8Array([1]));
    expect(store.messages.get('m2')).toBeNull();
    expect(store.delivery.isProcessed('env-1')).toBe(true);
    expect(store.delivery.pendingAcks()).toEqual(['env-1']);
    store.close();
    const s = reopen(dbPath, key);
    expect(s.delivery.pendingAcks()).toEqual(['env-1']);
    s.delivery.clearAcks(['env-1']);
    expect(s.delivery.pendingAcks()).toEqual([]);
    expect(s.messages.search('m1', 5)).toHaveLength(1);
    s.close();
  });

  it('rolls the whole receive back when any part fails', async () => {
    const { store } = await rawKeyStore();
    // No conversation row: the message insert violates its foreign key.
    expect(() => store.delivery.commitReceive({ envelopeId: 'env-2', session: { address: addr, record: new Uint8Array([7]) }, message: message('m1') })).toThrow();
    expect(store.delivery.isProcessed('env-2')).toBe(false);
    expect(store.protocol.loadSessionSync(addr)).toBeNull();
    expect(store.delivery.pendingAcks()).toEqual([]);
    store.close();
  });

  it('keeps outbox entries until the relay confirms, then marks the message sent', async () => {
    const { store } = await rawKeyStore();
    store.messages.upsertConversation(conv('c1'));
    const ids = store.delivery.commitSend({ session: { address: addr, record: new Uint8Array([3]) }, message: message('o1', 'out'),
      outbox: [{ recipient: 'acct-a.dev-a', payload: new Uint8Array([1]) }, { recipient: 'acct-a.dev-b', payload: new Uint8Array([2]) }] });
    expect(store.delivery.outbox().map((o) => o.id)).toEqual(ids);
    store.delivery.noteAttempts(ids);
    expect(store.delivery.outbox().map((o) => o.attempts)).toEqual([1, 1]);
    expect(store.delivery.confirmSent([ids[0]!])).toEqual(new Map([['c1', ['o1']]]));
    expect(store.messages.get('o1')?.state).toBe('queued');
    expect(store.delivery.confirmSent([ids[1]!, 999])).toEqual(new Map([['c1', ['o1']]]));
    expect(store.messages.get('o1')?.state).toBe('sent');
    expect(store.delivery.outbox()).toEqual([]);
    expect(store.delivery.confirmSent([999])).toEqual(new Map());
    store.close();
  });

  it('lists the payload of the committed row when a rolled-back send had taken its id first, and the same bytes after a reopen', async () => {
    const { store, dbPath, key } = await rawKeyStore();
    store.messages.upsertConversation(conv('c1'));
    const entry = (b: number) => [{ recipient: 'acct-a.dev-a', payload: new Uint8Array([b, b, b]) }];
    const [kept] = store.delivery.commitSend({ messageId: 'm0', outbox: entry(1) });
    // A whole transaction rolled back, then a savepoint inside one: each takes the next id and gives it back.
    expect(() => store.db.transaction(() => {
      store.delivery.commitSend({ messageId: 'lost', outbox: entry(9) });
      throw new Error('rolled back');
    })()).toThrow('rolled back');
    expect(store.delivery.outbox().map((o) => o.messageId)).toEqual(['m0']);
    store.db.transaction(() => {
      expect(() => store.db.transaction(() => {
        store.delivery.commitSend({ messageId: 'lost again', outbox: entry(8) });
        throw new Error('savepoint');
      })()).toThrow('savepoint');
      store.delivery.commitSend({ messageId: 'm1', outbox: entry(2) });
    })();
    const listed = store.delivery.outbox();
    expect(listed.map((o) => [o.id, o.messageId, [...o.payload]])).toEqual([[kept, 'm0', [1, 1, 1]], [kept! + 1, 'm1', [2, 2, 2]]]);
    store.close();
    const s = reopen(dbPath, key);
    expect(s.delivery.outbox().map((o) => [o.id, o.messageId, [...o.payload]])).toEqual(listed.map((o) => [o.id, o.messageId, [...o.payload]]));
    s.close();
  });

  it('reads the payloads it no longer keeps in memory from the store', async () => {
    const { OUTBOX_MEMORY_ENTRIES } = await import('../../../src/shared/constants');
    const { store } = await rawKeyStore();
    const n = OUTBOX_MEMORY_ENTRIES + 3;
    store.db.transaction(() => {
      for (let i = 0; i < n; i++) store.delivery.commitSend({ messageId: `m${i}`, outbox: [{ recipient: 'acct-a.dev-a', payload: Uint8Array.of(i % 256, i >> 8) }] });
    })();
    const first = store.delivery.outbox(5);
    expect(first.map((o) => [o.messageId, [...o.payload]])).toEqual([0, 1, 2, 3, 4].map((i) => [`m${i}`, [i, 0]]));
    const last = store.delivery.outbox(5, first[4]!.id + n - 10);
    expect(last.map((o) => [...o.payload])).toEqual([n - 5, n - 4, n - 3, n - 2, n - 1].map((i) => [i % 256, i >> 8]));
    expect(store.delivery.dropRecipient('acct-a.dev-a')).toBe(n);
    expect(store.delivery.outbox()).toEqual([]);
    store.close();
  });
});
