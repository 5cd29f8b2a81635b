/**
 * The retry of a message that shows "not delivered" to a contact none of
 * whose devices are on record at this desktop (a desktop linked after the
 * contact was added, whose fetches of the contact's list fail): it waits for
 * their list under the account's placeholder, as a fresh send does, shows
 * queued meanwhile (the delivery deadline counts from the retry), and
 * reaches the contact once their list comes, exactly once. One test for a
 * 1:1 text, one for a group text (docs/ARCHITECTURE.md, "Found and fixed").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESEND_LOG_TTL_MS } from '../../src/shared/constants';
import { startTestRelay } from '../support/relayHarness';
import { refuseListFetches, startHostileRelay, type HostileRelay } from '../support/hostileRelay';
import { createUser, eventually, profileDir, TEST_PASSPHRASE, TEST_PWHASH, type TestUser } from '../support/chatHarness';
import { linkDesktop } from '../support/linkCheck';
import { Messenger } from '../../src/main/messenger/messenger';

const DEADLINE_MS = 1_500;

let relay: Awaited<ReturnType<typeof startTestRelay>>;
let hostile: HostileRelay;
let ann: Messenger;
let ann2: Messenger;
const others: TestUser[] = [];

beforeAll(async () => {
  relay = await startTestRelay();
  hostile = await startHostileRelay(relay.url);
  ann = (await Messenger.create({ dir: profileDir(), displayName: 'Ann Retry', relayUrl: hostile.url, passphrase: TEST_PASSPHRASE, pwhash: TEST_PWHASH })).messenger;
  await ann.waitOnline();
  const linked = await linkDesktop(ann, hostile.url, 'Ann laptop');
  const dir = linked.store.dir!;
  await linked.close();
  // The laptop again, with a short delivery deadline.
  ann2 = await Messenger.open({ dir, passphrase: TEST_PASSPHRASE, relayUrl: hostile.url, deliveryDeadlineMs: DEADLINE_MS });
  await ann2.waitOnline();
}, 60_000);

afterAll(async () => {
  for (const m of [ann2, ann, ...others.map((u) => u.messenger)]) await m?.close().catch(() => undefined);
  await hostile?.close();
  await relay?.close();
});

/** A new contact of Ann's (added on her first desktop) whose list the laptop cannot fetch until `cut.on` is off. */
async function contactWithoutDevices(name: string): Promise<{ user: TestUser; id: string; cut: { on: boolean } }> {
  const user = await createUser(name, relay.url);
  others.push(user);
  const id = user.messenger.keys.accountId;
  const cut = refuseListFetches(hostile, ann2.keys.deviceId, id); // the laptop cannot fetch the new contact's list
  await ann.contacts.add(user.messenger.account.invite(), name);
  await eventually(() => ann2.store.contacts.get(id) !== null, 30_000);
  expect(ann2.store.contacts.devices(id)).toEqual([]);
  expect(await ann2.waitOnline()).toBe(true);
  return { user, id, cut };
}

/** Lets the delivery deadline pass at the laptop: the message shows "not delivered". */
async function missDeadline(messageId: string): Promise<void> {
  await new Promise((r) => setTimeout(r, DEADLINE_MS + 100));
  ann2.conversations.checkDeliveries();
  expect(ann2.store.messages.get(messageId)?.state).toBe('failed');
}

/** The laptop's rows waiting under `accountId`'s placeholder for `messageId`. */
const waitingFor = (accountId: string, messageId: string): number =>
  ann2.store.repairs.unsent(1_000).filter((e) => e.recipient === `${accountId}.` && e.messageId === messageId).length;

describe('retry of a message to a contact with no device on record', () => {
  it('waits for the contact’s list, shows queued meanwhile, and reaches them once', async () => {
    const { user: cai, id: caiId, cut } = await contactWithoutDevices('Cai Waits');
    const sent = await ann2.conversations.sendText(caiId, 'Retried before your list came');
    await missDeadline(sent.id);
    const retried = await ann2.conversations.retryMessage(sent.id);
    expect(retried.state).toBe('queued');
    expect(waitingFor(caiId, sent.id)).toBe(1); // once: the first send's row still waits, the retry adds none
    ann2.conversations.checkDeliveries(); // the deadline counts from the retry
    expect(['queued', 'sent']).toContain(ann2.store.messages.get(sent.id)?.state);
    cut.on = false;
    const annId = ann.keys.accountId;
    await eventually(() => cai.messenger.conversations.history(annId, 10).some((m) => m.id === sent.id), 30_000);
    await eventually(() => ann2.store.messages.get(sent.id)?.state === 'delivered', 30_000);
    await cai.messenger.conversations.drain();
    expect(cai.messenger.conversations.history(annId, 10).filter((m) => m.body === 'Retried before your list came')).toHaveLength(1);
  }, 90_000);

  it('in a group, adds nothing while the first send waits, waits for a member’s list once its rows are gone, and reaches them once', async () => {
    const { user: dee, id: deeId, cut } = await contactWithoutDevices('Dee Waits');
    // The group is made on Ann's first desktop, which has Dee's devices: Dee and the laptop (a sync) both get it.
    const made = await ann.groups.create('Breakwater', [deeId]);
    await eventually(() => dee.messenger.groups.list().some((g) => g.id === made.id) && ann2.groups.list().some((g) => g.id === made.id), 30_000);
    const sent = await ann2.groups.sendText(made.id, 'Retried to the group');
    expect(ann2.store.contacts.devices(deeId)).toEqual([]); // every fetch failed: it waits for Dee's list
    await missDeadline(sent.id);
    // A retry while the first send's chain and message still wait for Dee adds nothing for her; its deadline runs from now.
    expect(waitingFor(deeId, sent.id)).toBe(2);
    await ann2.conversations.retryMessage(sent.id);
    expect(waitingFor(deeId, sent.id)).toBe(2);
    await missDeadline(sent.id);
    // A day on, as with the real deadline: the resend log's rows of the first send (its wait for Dee's list too) are pruned.
    ann2.store.repairs.prune(Date.now() + RESEND_LOG_TTL_MS + 1);
    expect(waitingFor(deeId, sent.id)).toBe(0);
    const retried = await ann2.conversations.retryMessage(sent.id);
    expect(retried.state).toBe('queued');
    expect(waitingFor(deeId, sent.id)).toBe(2); // our chain, then the message
    ann2.conversations.checkDeliveries();
    expect(ann2.store.messages.get(sent.id)?.state).not.toBe('failed');
    cut.on = false;
    await eventually(() => dee.messenger.groups.history(made.id, 10).some((m) => m.id === sent.id), 30_000);
    await eventually(() => ann2.groups.receipts(sent.id).delivered === 1, 30_000);
    await dee.messenger.conversations.drain();
    const shown = dee.messenger.groups.history(made.id, 10);
    expect(shown.filter((m) => m.body === 'Retried to the group')).toHaveLength(1);
    expect(shown.some((m) => m.kind === 'undecryptable')).toBe(false);
  }, 90_000);
});
