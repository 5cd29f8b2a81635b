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
});
