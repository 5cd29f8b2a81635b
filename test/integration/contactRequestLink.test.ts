/**
 * A contact request in flight while its addressee links a desktop: Ann adds
 * Bob (her profile message is sealed to the one desktop Bob's list names),
 * and Bob links a laptop before that message reaches his desktop. Bob's
 * announcement of the laptop went to his contacts of the time, which Ann
 * was not yet; so the desktop that takes Ann's request tells her of the
 * laptop (`devicesChanged`, as a group update from someone new does), and
 * Ann's next text reaches both of Bob's desktops, even while the desktop
 * that could answer her with a receipt is closed (docs/ARCHITECTURE.md,
 * "Found and fixed: retries and contact requests").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRelay } from '../support/relayHarness';
import { holdEnvelopes, startHostileRelay, type HostileRelay } from '../support/hostileRelay';
import { createUser, eventually, reopen, type TestUser } from '../support/chatHarness';
import { linkDesktop } from '../support/linkCheck';
import type { Messenger } from '../../src/main/messenger/messenger';

let relay: Awaited<ReturnType<typeof startTestRelay>>;
let hostile: HostileRelay;
const open: Messenger[] = [];

beforeAll(async () => {
  relay = await startTestRelay();
  hostile = await startHostileRelay(relay.url);
});

afterAll(async () => {
  for (const m of open) await m.close().catch(() => undefined);
  await hostile?.close();
  await relay?.close();
});

/** Bob (behind the relay in the middle) with a laptop linked while `request` (sent by Ann) was on its way to his desktop. */
async function linkWhileOnItsWay(ann: TestUser, bob: TestUser, request: () => Promise<unknown>): Promise<Messenger> {
  const held = holdEnvelopes(hostile);
  await request();
  await eventually(() => held.count > 0 && ann.messenger.store.delivery.outbox(10).length === 0, 20_000);
  const laptop = await linkDesktop(bob.messenger, hostile.url, 'Bob laptop');
  open.push(laptop);
  expect(laptop.contacts.list()).toEqual([]); // the link carried no Ann: the desktop had not seen her yet
  hostile.down = (f) => f;
  for (const c of hostile.connections) c.close(); // Bob's desktops reconnect and get what was held back
  return laptop;
}

/** Bob's desktop takes what came, sends what it owes, and closes: only the laptop is left to answer Ann. */
async function closeDesktopAfter(bob: TestUser, ann: TestUser): Promise<void> {
  await eventually(() => bob.messenger.contacts.list().some((c) => c.accountId === ann.messenger.keys.accountId), 20_000);
  await bob.messenger.conversations.drain();
  await bob.messenger.conversations.flush();
  await bob.messenger.close();
}

describe('a first contact on its way while its addressee links a desktop', () => {
  it('reaches the laptop Bob linked while Ann’s contact request was on its way', async () => {
    const ann = await createUser('Ann Request', relay.url);
    const bob = await createUser('Bob Request', hostile.url);
    open.push(ann.messenger);
    const annId = ann.messenger.keys.accountId;
    const bobId = bob.messenger.keys.accountId;
    const laptop = await linkWhileOnItsWay(ann, bob, () => ann.messenger.contacts.add(bob.messenger.account.invite(), 'Bob'));
    await closeDesktopAfter(bob, ann);
    const sent = await ann.messenger.conversations.sendText(bobId, 'For both of your desks');
    await eventually(() => laptop.store.messages.get(sent.id)?.conversationId === annId, 30_000);
    await reopen(bob, hostile.url);
    open.push(bob.messenger);
    await eventually(() => bob.messenger.store.messages.get(sent.id)?.conversationId === annId, 30_000);
    for (const m of [laptop, bob.messenger]) expect(m.conversations.history(annId, 10).filter((x) => x.body === 'For both of your desks')).toHaveLength(1);
  }, 90_000);
});
