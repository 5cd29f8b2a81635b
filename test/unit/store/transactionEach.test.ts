/**
 * The batch transactions of the receive and send paths (store/database.ts):
 * one pass without savepoints, and a second pass with one per item only
 * when an item throws, so a failing item rolls back alone; the send path's
 * staged form prepares every item of the first pass before writing any.
 */
import { describe, expect, it } from 'vitest';
import { inTransaction, transactionEach, transactionStaged } from '../../../src/main/store/database';
import type { NewMessage } from '../../../src/main/store/messages';
import { conv, rawKeyStore } from '../../support/storeFixture';

const addr = { accountId: 'acct-a', deviceId: 'dev-a' };
const message = (id: string, conversationId = 'c1'): NewMessage => ({
  id, conversationId, sender: 'acct-a', direction: 'in', body: `body ${id}`, sentAt: 1, receivedAt: 2, state: 'delivered',
});

/** A fresh store with conversation c1. */
async function storeWithC1(): Promise<Awaited<ReturnType<typeof rawKeyStore>>['store']> {
  const { store } = await rawKeyStore();
  store.messages.upsertConversation(conv('c1'));
  return store;
}

describe('transactionEach', () => {
  it('commits every item of a batch in which nothing throws, each run once', async () => {
    const store = await storeWithC1();
    const runs: string[] = [];
    const out = transactionEach(store.db, ['e1', 'e2', 'e3'], (id) => {
      runs.push(id);
      return store.delivery.commitReceive({ envelopeId: id, message: message(`m-${id}`) });
    });
    expect(out).toEqual([{ ok: true, value: 'stored' }, { ok: true, value: 'stored' }, { ok: true, value: 'stored' }]);
    expect(runs).toEqual(['e1', 'e2', 'e3']);
    expect(store.delivery.pendingAcks()).toEqual(['e1', 'e2', 'e3']);
    store.close();
  });

  it('rolls back only the item that throws, with everything it wrote, and keeps the others', async () => {
    const store = await storeWithC1();
    const failures: string[] = [];
    // e2's message names a conversation that does not exist: its insert fails after its session and envelope id were written.
    const out = transactionEach(
      store.db,
      ['e1', 'e2', 'e3'],
      (id) => store.delivery.commitReceive({ envelopeId: id, session: { address: addr, record: new Uint8Array([Number(id[1])]) }, message: message(`m-${id}`, id === 'e2' ? 'nowhere' : 'c1') }),
      (id) => failures.push(id),
    );
    expect(out.map((r) => r.ok)).toEqual([true, false, true]);
    expect(failures).toEqual(['e2']);
    expect([...store.delivery.processedAmong(['e1', 'e2', 'e3'])].sort()).toEqual(['e1', 'e3']);
    expect(store.messages.get('m-e2')).toBeNull();
    expect(store.messages.get('m-e3')).not.toBeNull();
    expect(store.protocol.loadSessionSync(addr)).toEqual(new Uint8Array([3]));
    store.close();
  });
});

describe('transactionStaged', () => {
  it('prepares every item before writing any, then writes them in order in one transaction', async () => {
    const store = await storeWithC1();
    const steps: string[] = [];
    const out = transactionStaged(store.db, ['e1', 'e2', 'e3'], (id) => {
      steps.push(`prepare ${id}`);
      return () => {
        steps.push(`write ${id}`);
        return store.delivery.commitReceive({ envelopeId: id, message: message(`m-${id}`) });
      };
    });
    expect(steps).toEqual(['prepare e1', 'prepare e2', 'prepare e3', 'write e1', 'write e2', 'write e3']);
    expect(out.map((r) => r.ok && r.value)).toEqual(['stored', 'stored', 'stored']);
    expect(store.delivery.pendingAcks()).toEqual(['e1', 'e2', 'e3']);
    store.close();
  });

  it('after a throw in either stage, prepares and writes each item alone, so only the failing one rolls back', async () => {
    const store = await storeWithC1();
    const steps: string[] = [];
    const failures: string[] = [];
    const out = transactionStaged(
      store.db,
      ['e1', 'e2', 'e3'],
      (id) => {
        steps.push(`prepare ${id}`);
        if (id === 'e3') throw new Error('e3 does not encrypt');
        // e2's message names a conversation that does not exist: its write fails after its envelope id was written.
        return () => {
          steps.push(`write ${id}`);
          return store.delivery.commitReceive({ envelopeId: id, message: message(`m-${id}`, id === 'e2' ? 'nowhere' : 'c1') });
        };
      },
      (id) => failures.push(id),
    );
    // The first pass stops at e3's prepare (nothing was written); the second runs each item whole.
    expect(steps).toEqual(['prepare e1', 'prepare e2', 'prepare e3', 'prepare e1', 'write e1', 'prepare e2', 'write e2', 'prepare e3']);
    expect(out.map((r) => r.ok)).toEqual([true, false, false]);
    expect(failures).toEqual(['e2', 'e3']);
    expect([...store.delivery.processedAmong(['e1', 'e2', 'e3'])]).toEqual(['e1']);
    expect(store.messages.get('m-e1')).not.toBeNull();
    store.close();
  });
});

describe('inTransaction', () => {
  it('joins the caller’s transaction, so the caller’s rollback takes its writes too', async () => {
    const store = await storeWithC1();
    expect(() =>
      store.db.transaction(() => {
        inTransaction(store.db, () => store.delivery.commitReceive({ envelopeId: 'e1', message: message('m1') }));
        throw new Error('the caller fails after');
      })(),
    ).toThrow('the caller fails after');
    expect(store.delivery.isProcessed('e1')).toBe(false);
    expect(inTransaction(store.db, () => store.db.inTransaction)).toBe(true);
    store.close();
  });
});

describe('batchSessions', () => {
  const count = (store: Awaited<ReturnType<typeof rawKeyStore>>['store']): number => store.db.prepare('SELECT count(*) FROM sessions').pluck().get() as number;

  it('holds a device’s record through the batch, reads it back, and writes it once when the batch ends', async () => {
    const { store } = await rawKeyStore();
    store.db.transaction(() =>
      store.protocol.batchSessions(() => {
        for (let i = 1; i <= 5; i++) store.protocol.storeSessionSync(addr, new Uint8Array([i]));
        expect(store.protocol.loadSessionSync(addr)).toEqual(new Uint8Array([5]));
        expect(count(store)).toBe(0);
      }),
    )();
    expect(count(store)).toBe(1);
    expect(store.protocol.loadSessionSync(addr)).toEqual(new Uint8Array([5]));
    store.close();
  });

  it('drops what it held when the batch throws, so the rolled-back transaction and the store agree', async () => {
    const { store } = await rawKeyStore();
    store.protocol.storeSessionSync(addr, new Uint8Array([1]));
    expect(() =>
      store.db.transaction(() =>
        store.protocol.batchSessions(() => {
          store.protocol.storeSessionSync(addr, new Uint8Array([2]));
          throw new Error('an envelope failed');
        }),
      )(),
    ).toThrow('an envelope failed');
    expect(store.protocol.loadSessionSync(addr)).toEqual(new Uint8Array([1]));
    store.close();
  });

  it('forgets a held record whose session is deleted in the batch, and refuses to hold outside a transaction', async () => {
    const { store } = await rawKeyStore();
    store.db.transaction(() =>
      store.protocol.batchSessions(() => {
        store.protocol.storeSessionSync(addr, new Uint8Array([3]));
        store.protocol.deleteSessionSync(addr);
      }),
    )();
    expect(store.protocol.loadSessionSync(addr)).toBeNull();
    expect(() => store.protocol.batchSessions(() => 1)).toThrow(/inside a transaction/u);
    store.close();
  });
});
