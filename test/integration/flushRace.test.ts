/**
 * An outbox entry committed while a flush is finishing is sent too. Found by
 * CI through the daemon: a relay message that answered one send and another
 * request together resumed both in one turn, so the second send committed
 * its entry after the running flush had read the outbox for the last time,
 * its flushOutbox call got that finishing flush, and the entry waited for
 * the next send or connection. Reproduced here exactly: the entry is
 * committed and the flush asked for inside the running flush's last read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, eventually, type TestUser } from '../support/chatHarness';
import { startTestRelay } from '../support/relayHarness';

type Relay = Awaited<ReturnType<typeof startTestRelay>>;
let relay: Relay;
let ann: TestUser;
let ben: TestUser;

beforeAll(async () => {
  relay = await startTestRelay();
  ann = await createUser('Ann', relay.url);
  ben = await createUser('Ben', relay.url);
  await ann.messenger.contacts.add(ben.messenger.account.invite(), 'Ben');
  await eventually(() => ben.messenger.contacts.list().length === 1);
}, 30_000);

afterAll(async () => {
  for (const u of [ann, ben]) await u?.messenger.close();
  await relay?.close();
});

describe('flushing the outbox', () => {
  it('sends an entry committed during a running flush’s last read of the outbox', async () => {
    const delivery = ann.messenger.store.delivery;
    const read = delivery.outbox.bind(delivery);
    const to = `${ben.messenger.keys.accountId}.${ben.messenger.keys.deviceId}`;
    let later: Promise<void> | null = null;
    let armed = false;
    delivery.outbox = (limit?: number, after?: number) => {
      const got = read(limit, after);
      if (armed && got.length === 0) {
        armed = false;
        // The running flush has taken the first entry and found nothing after it: a second send commits now and asks for a flush.
        const [first] = read(1, 0);
        delivery.commitSend({ messageId: null, outbox: [{ recipient: to, payload: first!.payload.slice() }] });
        later = ann.messenger.conversations.flush();
      }
      return got;
    };
    try {
      await eventually(() => read(10, 0).length === 0); // the contact request has gone
      await ann.messenger.conversations.sendText(ben.messenger.keys.accountId, 'one');
      armed = true;
      await ann.messenger.conversations.flush();
      expect(later).not.toBeNull();
      await later;
      await eventually(() => read(10, 0).length === 0, 5_000);
      expect(read(10, 0)).toEqual([]);
    } finally {
      delivery.outbox = read;
    }
  });
});
