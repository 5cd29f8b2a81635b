/**
 * A contact's device-list change is acted on after the receive commit (a
 * fetch of the signed list needs the relay). The account is noted as owed a
 * refresh in the transaction that commits the change (store v17), so the
 * refresh survives a crash between that commit and the fetch, and a fetch
 * that fails is tried again. Real relay on loopback, real profiles; the
 * crash is a child process SIGKILLed after the receive commit, before its
 * ack and the refresh after it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, eventually, reopen, TEST_PASSPHRASE, type TestUser } from '../support/chatHarness';
import { startTestRelay } from '../support/relayHarness';
import { deviceKeyOf } from '../../src/relay/store/types';
import { bundleChild, runChild } from '../support/crashChild';
import { answerListWith, refuseListFetches, startHostileRelay } from '../support/hostileRelay';
import { linkDesktop } from '../support/linkCheck';
import { LocalStore } from '../../src/main/store';
import type { Messenger } from '../../src/main/messenger/messenger';

const RUN_TIMEOUT_MS = 120_000;

let relay: Awaited<ReturnType<typeof startTestRelay>>;
let childJs = '';
const open: Messenger[] = [];

beforeAll(async () => {
  relay = await startTestRelay();
  childJs = await bundleChild('owedRefreshChild');
});

afterAll(async () => {
  for (const m of open) await m.close().catch(() => undefined);
  await relay?.close();
});

/** Ann and Ben (Ann through `annRelay`) are contacts; Ben has a second desktop, the laptop, and Ann lists it. */
async function contactsWithLaptop(name: string, annRelay = relay.url): Promise<{ ann: TestUser; ben: TestUser; benId: string; laptop: string }> {
  const ann = await createUser(`Ann ${name}`, annRelay);
  const ben = await createUser(`Ben ${name}`, relay.url);
  open.push(ann.messenger, ben.messenger);
  const benId = ben.messenger.keys.accountId;
  await ann.messenger.contacts.add(ben.messenger.account.invite(), 'Ben');
  await eventually(() => ben.messenger.contacts.list().length === 1, 20_000);
  const laptop = await linkDesktop(ben.messenger, relay.url, 'Ben laptop');
  open.push(laptop);
  await eventually(() => ann.messenger.store.contacts.devices(benId).includes(laptop.keys.deviceId), 20_000);
  return { ann, ben, benId, laptop: laptop.keys.deviceId };
}

/**
 * Closes `user`'s profile once nothing is left to ack or send: the child's
 * first ack is then the catch-up batch's, and no content waits for the
 * laptop (a failed session start with it would fetch Ben's list again,
 * conversations/unsent.ts `dropIfUnlisted`, and hide a lost refresh).
 */
async function closeSettled(user: TestUser): Promise<void> {
  const d = user.messenger.store.delivery;
  await eventually(() => d.pendingAcks(1).length === 0 && d.outbox(1).length === 0 && !user.messenger.store.repairs.hasUnsent(), 30_000);
  await user.messenger.close();
}

/**
 * Ann's profile catches up in a child process that is SIGKILLed after the
 * receive commit, in its ack (Ben's list is never fetched there); checks
 * it still lists Ben's revoked laptop, with the refresh owed.
 */
async function crashAfterReceiveCommit(ann: TestUser, benId: string, revoked: string): Promise<void> {
  const crashed = await runChild(childJs, { PROFILE_DIR: ann.dir, RELAY_URL: relay.url, PASSPHRASE: TEST_PASSPHRASE, HOLD_LIST: benId }, (out) => out.includes('commit\n'), RUN_TIMEOUT_MS);
  expect(crashed.err).toBe('');
  expect(crashed.killed).toBe(true);
  const store = await LocalStore.open({ dir: ann.dir, passphrase: TEST_PASSPHRASE });
  try {
    expect(store.delivery.pendingAcks().length).toBeGreaterThan(0);
    expect(store.contacts.devices(benId)).toContain(revoked);
    expect(store.listRefreshes.all().map((r) => r.accountId)).toEqual([benId]);
  } finally {
    store.close();
  }
}

/** Waits until `user` no longer lists the revoked device and owes no refresh (the relay answered with the new list). */
async function listDropsOnce(user: TestUser, benId: string, revoked: string): Promise<void> {
  await eventually(() => !user.messenger.store.contacts.devices(benId).includes(revoked), 40_000);
  await eventually(() => user.messenger.store.listRefreshes.all().length === 0, 10_000);
}

describe('a contact’s device-list change that arrived just before a crash', () => {
  it('is fetched after the restart, so nothing is sent to or waits for the desktop the contact revoked', async () => {
    const { ann, ben, benId, laptop: revoked } = await contactsWithLaptop('Owed');
    await closeSettled(ann);
    // Ben revokes the laptop while Ann is closed: his `devicesChanged` waits for her on the relay.
    await ben.messenger.devices.revokeDevice(revoked);
    await eventually(() => ben.messenger.store.delivery.outbox(1).length === 0, 20_000);

    await crashAfterReceiveCommit(ann, benId, revoked);

    // The redelivered envelope is already processed; the owed refresh runs on the connection all the same.
    await reopen(ann, relay.url);
    open.push(ann.messenger);
    await eventually(() => !ann.messenger.store.contacts.devices(benId).includes(revoked), 20_000);
    expect(ann.messenger.store.contacts.devices(benId)).toEqual([ben.messenger.keys.deviceId]);
    expect(ann.messenger.store.listRefreshes.all()).toEqual([]);
    const text = await ann.messenger.conversations.sendText(benId, 'Only your desktop now');
    await eventually(() => ben.inbox.some((m) => m.id === text.id), 20_000);
    expect(ann.messenger.store.repairs.unsentFor(`${benId}.${revoked}`, 10)).toEqual([]);
    expect(ann.messenger.store.audit.list(200).filter((e) => e.kind === 'devices.refresh_failed' || (e.kind === 'delivery.failed' && e.detail['reason'] === 'UNLISTED_DEVICE'))).toEqual([]);
  }, 180_000);

  it('is fetched after the restart when only a read receipt’s list heads told us, the change itself lost on the way', async () => {
    const { ann, ben, benId, laptop: revoked } = await contactsWithLaptop('Heads');
    const annId = ann.messenger.keys.accountId;
    const text = await ann.messenger.conversations.sendText(benId, 'Read me later');
    await eventually(() => ben.inbox.some((m) => m.id === text.id) && ann.messenger.store.messages.get(text.id)?.state === 'delivered', 20_000);
    await closeSettled(ann);
    await ben.messenger.devices.revokeDevice(revoked);
    await eventually(() => ben.messenger.store.delivery.outbox(1).length === 0, 20_000);
    // Ben's `devicesChanged` never reaches Ann: taken off her mailbox on the relay.
    const mailbox = deviceKeyOf(annId, ann.messenger.keys.deviceId);
    const lost = await relay.context.store.pending(mailbox, 100, Date.now());
    expect(lost.length).toBeGreaterThan(0);
    await relay.context.store.ack(mailbox, lost.map((m) => m.id));
    // His read receipt carries the heads of his new list (§6.7): Ann is behind on it. A receipt earns no reply, so nothing Ann sends refreshes the list.
    await ben.messenger.conversations.markRead(annId);
    await eventually(() => ben.messenger.store.delivery.outbox(1).length === 0, 20_000);

    await crashAfterReceiveCommit(ann, benId, revoked);
    await reopen(ann, relay.url);
    open.push(ann.messenger);
    await eventually(() => !ann.messenger.store.contacts.devices(benId).includes(revoked), 20_000);
    expect(ann.messenger.store.listRefreshes.all()).toEqual([]);
    await eventually(() => ann.messenger.store.messages.get(text.id)?.state === 'read', 20_000);
  }, 180_000);
});

describe('a contact’s device-list change whose refresh fails', () => {
  it('stays owed, is audited and is fetched once the relay answers again', async () => {
    const hostile = await startHostileRelay(relay.url);
    try {
      const { ann, ben, benId, laptop: revoked } = await contactsWithLaptop('Retry', hostile.url);
      // Ann's connection drops under each of her requests for Ben's list (a relay in the middle hanging up).
      const cut = refuseListFetches(hostile, ann.messenger.keys.deviceId, benId);
      await ben.messenger.devices.revokeDevice(revoked);
      await eventually(() => ann.messenger.store.audit.list(200).filter((e) => e.kind === 'devices.refresh_failed' && e.detail['accountId'] === benId).length >= 2, 30_000);
      expect(ann.messenger.store.contacts.devices(benId)).toContain(revoked);
      expect(ann.messenger.store.listRefreshes.all()).toMatchObject([{ accountId: benId }]);
      cut.on = false;
      await listDropsOnce(ann, benId, revoked);
    } finally {
      await hostile.close();
    }
  }, 120_000);

  it('stays owed when the relay answers with an older list than the contact’s heads claim, is audited once, and is fetched once the relay gives the new one', async () => {
    const hostile = await startHostileRelay(relay.url);
    try {
      const { ann, ben, benId, laptop: revoked } = await contactsWithLaptop('Withheld', hostile.url);
      const annId = ann.messenger.keys.accountId;
      const text = await ann.messenger.conversations.sendText(benId, 'Read me later');
      await eventually(() => ben.inbox.some((m) => m.id === text.id) && ann.messenger.store.messages.get(text.id)?.state === 'delivered', 20_000);
      // The list Ann holds now, which the relay in the middle keeps answering with after Ben revokes his laptop (it still verifies).
      const stale = await relay.context.store.getDeviceList(benId);
      const claimedBefore = ann.messenger.store.listHeads.get(benId)!.version;
      const replay = answerListWith(hostile, ann.messenger.keys.deviceId, benId, stale);
      await ben.messenger.devices.revokeDevice(revoked);
      // His read receipt carries the heads of his new list (§6.7): Ann's refresh gets the old one, so the note stays.
      await ben.messenger.conversations.markRead(annId);
      const withheld = () => ann.messenger.store.audit.list(300).filter((e) => e.kind === 'devices.split_view' && e.detail['accountId'] === benId && e.detail['reason'] === 'list-withheld');
      await eventually(() => withheld().length === 1, 30_000);
      expect(ann.messenger.store.listRefreshes.owed(benId)).toMatchObject({ claimed: claimedBefore + 1 });
      expect(ann.messenger.store.contacts.devices(benId)).toContain(revoked);
      // Tried again on its back-off, without a new audit line each time.
      await eventually(() => (ann.messenger.store.listRefreshes.owed(benId)?.attempts ?? 0) >= 2, 30_000);
      expect(withheld()).toHaveLength(1);
      replay.on = false;
      await listDropsOnce(ann, benId, revoked);
    } finally {
      await hostile.close();
    }
  }, 120_000);
});
