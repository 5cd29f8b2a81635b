/**
 * Rounds of owed delivery receipts run one at a time (conversations/owedReceipts.ts):
 * two started together (a receive batch's and the connection's, as when a
 * one-shot CLI command signs in to waiting texts) answer each owed message
 * once, not once per round. Real relay on loopback, real stores.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRelay } from '../support/relayHarness';
import { createUser, eventually, type TestUser } from '../support/chatHarness';
import { RECEIPT_ROUND_IDS } from '../../src/shared/constants';

let relay: Awaited<ReturnType<typeof startTestRelay>>;
let ann: TestUser;
let ben: TestUser;

beforeAll(async () => {
  relay = await startTestRelay();
  ann = await createUser('Ann Rounds', relay.url);
  ben = await createUser('Ben Rounds', relay.url);
  await ann.messenger.contacts.add(ben.messenger.account.invite(), 'Ben');
  await eventually(() => ben.messenger.contacts.list().length === 1);
}, 60_000);

afterAll(async () => {
  for (const u of [ann, ben]) await u?.messenger.close();
  await relay?.close();
});

/** Delivered receipts Ann recorded from Ben naming `id`. */
const deliveredNaming = (id: string): number =>
  ann.messenger.store.receivedEvents.since(0, 500).filter((e) => e.type === 'receipt' && e.kind === 'delivered' && e.targets.includes(id)).length;

describe('owed delivery receipts', () => {
  it('answers each owed message once when two rounds start together', async () => {
    const annId = ann.messenger.keys.accountId;
    const to = ben.messenger.keys.accountId;
    const a = await ann.messenger.conversations.sendText(to, 'one');
    const b = await ann.messenger.conversations.sendText(to, 'two');
    await eventually(() => deliveredNaming(a.id) === 1 && deliveredNaming(b.id) === 1);
    await eventually(() => ben.messenger.store.repairs.owedReceipts(10).size === 0);

    // Owed again (as after a crash between the commit and the receipt), then two rounds at once.
    for (const m of [a, b]) ben.messenger.store.repairs.oweReceipt(m.id, annId);
    await Promise.all([ben.messenger.conversations.sendOwedReceipts(), ben.messenger.conversations.sendOwedReceipts()]);
    expect(ben.messenger.store.repairs.owedReceipts(10).size).toBe(0);
    await ben.messenger.conversations.flush();
    await eventually(() => deliveredNaming(a.id) >= 2 && deliveredNaming(b.id) >= 2);
    await new Promise((r) => setTimeout(r, 500)); // a second answer, had one been sent, would have arrived by now
    expect([deliveredNaming(a.id), deliveredNaming(b.id)]).toEqual([2, 2]);
  }, 60_000);

  it('answers more owed messages than one read takes in one call, as a long catch-up’s held receipts', async () => {
    const annId = ann.messenger.keys.accountId;
    const ids = Array.from({ length: RECEIPT_ROUND_IDS + 700 }, (_, i) => `held-receipt-${String(i).padStart(5, '0')}`);
    ben.messenger.store.db.transaction(() => { for (const id of ids) ben.messenger.store.repairs.oweReceipt(id, annId); })();
    await ben.messenger.conversations.sendOwedReceipts();
    expect(ben.messenger.store.repairs.owedReceipts(10).size).toBe(0);
    // Queued as receipts (one per 500 ids) and taken by the relay.
    await ben.messenger.conversations.flush();
    expect(ben.messenger.store.delivery.outbox(1)).toEqual([]);
  }, 60_000);
});
