/**
 * A receive batch does not wait for the relay's answer to its ack (the
 * relay answers only after deleting the envelopes and pushing the next
 * ones): with every ack answer withheld by a hostile relay in front of Ben,
 * Ann's texts, each its own push, are all committed and shown; the acks stay
 * recorded, a connection that drops with them unanswered leaves a trace,
 * and the next connection sends them again, so nothing comes back twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRelay } from '../support/relayHarness';
import { startHostileRelay, type HostileRelay } from '../support/hostileRelay';
import { createUser, eventually, type TestUser } from '../support/chatHarness';

let relay: Awaited<ReturnType<typeof startTestRelay>>;
let proxy: HostileRelay;
let ann: TestUser;
let ben: TestUser;

/** Request ids of Ben's ack frames, and how many of their answers the proxy withheld. */
const ackIds = new Set<number>();
let withheld = 0;
let withhold = false;

const lines = (f: string): string[] => f.split('\n').filter((l) => l.length > 0);
const parsed = (l: string): { type?: string; id?: number } | null => {
  try {
    return JSON.parse(l) as { type?: string; id?: number };
  } catch {
    return null;
  }
};

beforeAll(async () => {
  relay = await startTestRelay();
  proxy = await startHostileRelay(relay.url);
  ann = await createUser('Ann Acks', relay.url);
  ben = await createUser('Ben Acks', proxy.url);
  proxy.up = (f) => {
    for (const l of lines(f)) {
      const p = parsed(l);
      if (p?.type === 'ack' && typeof p.id === 'number') ackIds.add(p.id);
    }
    return f;
  };
  proxy.down = (f) => {
    if (!withhold) return f;
    const kept = lines(f).filter((l) => {
      const p = parsed(l);
      const drop = p?.type === 'response' && typeof p.id === 'number' && ackIds.has(p.id);
      if (drop) withheld++;
      return !drop;
    });
    return kept.length > 0 ? kept.join('\n') : null;
  };
  await ann.messenger.contacts.add(ben.messenger.account.invite(), 'Ben');
  await eventually(() => ben.messenger.contacts.list().length === 1);
}, 60_000);

afterAll(async () => {
  for (const u of [ann, ben]) await u?.messenger.close();
  await proxy?.close();
  await relay?.close();
});

describe('acks that the relay does not answer', () => {
  it('commits and shows each later push while no ack has been answered, then sends the acks again on the next connection', async () => {
    const annToBen = ann.messenger.contacts.list()[0]!.accountId;
    await ann.messenger.conversations.sendText(annToBen, 'warm-up');
    await eventually(() => ben.inbox.some((m) => m.text === 'warm-up'));
    await eventually(() => ben.messenger.store.delivery.pendingAcks().length === 0);
    withhold = true;

    const texts = ['first light', 'second tide', 'third bell'];
    for (const body of texts) {
      await ann.messenger.conversations.sendText(annToBen, body);
      // Each text is its own push and its own batch; the one before it still has its ack unanswered.
      await eventually(() => ben.inbox.some((m) => m.text === body), 5_000);
    }
    expect(withheld).toBeGreaterThanOrEqual(texts.length);
    expect(ben.messenger.store.delivery.pendingAcks().length).toBeGreaterThanOrEqual(texts.length);

    // The relay in the middle hangs up with the acks unanswered: a trace, and the acks stay recorded.
    const audited = (): boolean => ben.messenger.store.audit.list(200).some((e) => e.kind === 'envelope.deferred' && String(e.detail['reason']).startsWith('ack:'));
    withhold = false;
    for (const c of proxy.connections) c.close();
    await eventually(audited);
    // Back online, the recorded acks go again and are answered; nothing is offered twice.
    await eventually(() => ben.messenger.store.delivery.pendingAcks().length === 0, 20_000);
    await ben.messenger.conversations.drain();
    for (const body of texts) expect(ben.inbox.filter((m) => m.text === body)).toHaveLength(1);
    const conversation = ben.messenger.store.messages.page(ben.messenger.contacts.list()[0]!.accountId, 50).filter((m) => texts.includes(m.body));
    expect(conversation).toHaveLength(texts.length);
  }, 60_000);
});
