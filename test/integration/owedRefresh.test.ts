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
import { bundleChild, runChild } from '../support/crashChild';
import { refuseListFetches, startHostileRelay } from '../support/hostileRelay';
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

/** Ann and Ben are contacts; Ben has a second desktop, and Ann lists it. Returns Ben's second desktop. */
async function contactsWithLaptop(ann: TestUser, ben: TestUser): Promise<Messenger> {
  await ann.messenger.contacts.add(ben.messenger.account.invite(), 'Ben');
  await eventually(() => ben.messenger.contacts.list().length === 1, 20_000);
  const laptop = await linkDesktop(ben.messenger, relay.url, 'Ben laptop');
  open.push(laptop);
  await eventually(() => ann.messenger.store.contacts.devices(ben.messenger.keys.accountId).includes(laptop.keys.deviceId), 20_000);
  return laptop;
}

describe('a contact’s device-list change that arrived just before a crash', () => {
  it('is fetched after the restart, so nothing is sent to or waits for the desktop the contact revoked', async () => {
    const ann = await createUser('Ann Owed', relay.url);
    const ben = await createUser('Ben Owed', relay.url);
    open.push(ben.messenger);
    const benId = ben.messenger.keys.accountId;
    const laptop = await contactsWithLaptop(ann, ben);
    const revoked = laptop.keys.deviceId;
    await ann.messenger.close();
    // Ben revokes the laptop while Ann is closed: his `devicesChanged` waits for her on the relay.
    await ben.messenger.devices.revokeDevice(revoked);
    await eventually(() => ben.messenger.store.delivery.outbox(1).length === 0, 20_000);

    const crashed = await runChild(childJs, { PROFILE_DIR: ann.dir, RELAY_URL: relay.url, PASSPHRASE: TEST_PASSPHRASE, HOLD_LIST: benId }, (out) => out.includes('commit\n'), RUN_TIMEOUT_MS);
    expect(crashed.err).toBe('');
    expect(crashed.killed).toBe(true);
    // Killed after the receive commit (its ack intent is recorded), before the refresh: Ann still lists the revoked laptop.
    const store = await LocalStore.open({ dir: ann.dir, passphrase: TEST_PASSPHRASE });
    try {
      expect(store.delivery.pendingAcks().length).toBeGreaterThan(0);
      expect(store.contacts.devices(benId)).toContain(revoked);
      expect(store.listRefreshes.all().map((r) => r.accountId)).toEqual([benId]);
    } finally {
      store.close();
    }

    // The redelivered envelope is already processed; the owed refresh runs on the connection all the same, before anything is sent.
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
});

describe('a contact’s device-list change whose refresh fails', () => {
  it('stays owed, is audited and is fetched once the relay answers again', async () => {
    const hostile = await startHostileRelay(relay.url);
    try {
      const ann = await createUser('Ann Retry', hostile.url);
      open.push(ann.messenger);
      const ben = await createUser('Ben Retry', relay.url);
      open.push(ben.messenger);
      const benId = ben.messenger.keys.accountId;
      const laptop = await contactsWithLaptop(ann, ben);
      const revoked = laptop.keys.deviceId;
      // Ann's connection drops under each of her requests for Ben's list (a relay in the middle hanging up).
      const cut = refuseListFetches(hostile, ann.messenger.keys.deviceId, benId);
      await ben.messenger.devices.revokeDevice(revoked);
      await eventually(() => ann.messenger.store.audit.list(200).filter((e) => e.kind === 'devices.refresh_failed' && e.detail['accountId'] === benId).length >= 2, 30_000);
      expect(ann.messenger.store.contacts.devices(benId)).toContain(revoked);
      expect(ann.messenger.store.listRefreshes.all()).toMatchObject([{ accountId: benId }]);
      cut.on = false;
      await eventually(() => !ann.messenger.store.contacts.devices(benId).includes(revoked), 30_000);
      await eventually(() => ann.messenger.store.listRefreshes.all().length === 0, 10_000);
    } finally {
      await hostile.close();
    }
  }, 120_000);
});
