/**
 * Batching end to end, on real profiles and a relay on loopback: a burst of
 * texts sent in one turn is committed together, each arrives once and all
 * read in the order they were sent; a
 * profile that opens with messages waiting reports its catch-up progress
 * once per receive batch (what the UI shows as "Receiving N of M"), then
 * clears it, and every text is receipted back to the sender.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Messenger } from '../../src/main/messenger/messenger';
import { createUser, eventually, TEST_PASSPHRASE, type TestUser } from '../support/chatHarness';
import { startTestRelay } from '../support/relayHarness';

const BURST = 300;
const WAITING = 700;

let relay: Awaited<ReturnType<typeof startTestRelay>>;
const open: Messenger[] = [];

beforeAll(async () => {
  relay = await startTestRelay();
});

afterAll(async () => {
  for (const m of open) await m.close().catch(() => undefined);
  await relay?.close();
});

async function pair(a: string, b: string): Promise<[TestUser, TestUser]> {
  const ann = await createUser(a, relay.url);
  const ben = await createUser(b, relay.url);
  open.push(ann.messenger, ben.messenger);
  await ann.messenger.contacts.add(ben.messenger.account.invite(), b);
  return [ann, ben];
}

describe('sends and catch-up in batches', () => {
  it('delivers a burst of texts sent in one turn exactly once each, and every one shows delivered', async () => {
    const [ann, ben] = await pair('Ann Burst', 'Ben Burst');
    const to = ben.messenger.keys.accountId;
    const sent = await Promise.all(Array.from({ length: BURST }, (_, i) => ann.messenger.conversations.sendText(to, `burst ${i}`)));
    expect(new Set(sent.map((m) => m.id)).size).toBe(BURST);
    await eventually(() => ben.inbox.length >= BURST, 60_000);
    expect(ben.inbox.map((m) => m.text).sort()).toEqual(Array.from({ length: BURST }, (_, i) => `burst ${i}`).sort());
    await eventually(() => sent.every((m) => ann.messenger.store.messages.get(m.id)?.state === 'delivered'), 60_000);
    // Sent within a few milliseconds of each other, they still read in the order they were sent, on both sides.
    const inOrder = Array.from({ length: BURST }, (_, i) => `burst ${i}`);
    expect(ann.messenger.conversations.history(to, BURST).map((m) => m.body)).toEqual(inOrder);
    expect(ben.messenger.conversations.history(ann.messenger.keys.accountId, BURST).map((m) => m.body)).toEqual(inOrder);
  }, 120_000);

  it('reports catch-up progress once per batch, before the batch’s texts, while a closed profile takes what waited, then clears it', async () => {
    const [ann, ben] = await pair('Ann Away', 'Ben Away');
    const to = ben.messenger.keys.accountId;
    await ben.messenger.close();
    const sent = await Promise.all(Array.from({ length: WAITING }, (_, i) => ann.messenger.conversations.sendText(to, `waiting ${i}`)));
    await eventually(() => ann.messenger.store.delivery.outbox(1).length === 0, 60_000);

    const progress: ({ done: number; total: number } | null)[] = [];
    let texts = 0;
    // Texts announced before the progress counted their batch ("Receiving N of M" trailing the list): none.
    let covered = 0;
    let ahead = 0;
    const receiving = (p: { done: number; total: number } | null) => {
      progress.push(p);
      covered = p === null ? Infinity : p.done;
    };
    const again = await Messenger.open({ dir: ben.dir, passphrase: TEST_PASSPHRASE, events: { receiving, incomingText: () => void (++texts > covered && ahead++) } });
    open.push(again);
    await eventually(() => texts >= WAITING && progress.at(-1) === null, 60_000);
    // Ann's profile message waited too.
    expect(progress[0]).toMatchObject({ done: 0, total: expect.any(Number) });
    expect(progress[0]!.total).toBeGreaterThanOrEqual(WAITING);
    const counts = progress.filter((p) => p !== null).map((p) => p.done);
    expect(counts).toEqual([...counts].sort((x, y) => x - y));
    // One update per batch, not one per message: the relay pushes up to its delivery window at once.
    expect(progress.length).toBeLessThan(WAITING / 50);
    expect(ahead).toBe(0);
    await eventually(() => sent.every((m) => ann.messenger.store.messages.get(m.id)?.state === 'delivered'), 60_000);
  }, 120_000);
});
