/**
 * A group member who is not our contact and whose device list cannot be
 * fetched when we write to the group (offline, or the relay refuses): what
 * we send waits for their list under the account's placeholder, as it does
 * for a contact without devices (groups/lateDevices.ts
 * logForWaitingMembers), and reaches their devices, once, when the list
 * comes (recordMemberList logs it for each listed device).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRelay } from '../support/relayHarness';
import { refuseListFetches, startHostileRelay, type HostileRelay } from '../support/hostileRelay';
import { createUser, eventually, type TestUser } from '../support/chatHarness';
import { awaitingDevicesOf } from '../../src/main/conversations/lateDevices';

let relay: Awaited<ReturnType<typeof startTestRelay>>;
let proxy: HostileRelay;
let ann: TestUser;
let ben: TestUser;
let cat: TestUser;

beforeAll(async () => {
  relay = await startTestRelay();
  proxy = await startHostileRelay(relay.url);
  ann = await createUser('Ann Wait', relay.url);
  ben = await createUser('Ben Wait', proxy.url);
  cat = await createUser('Cat Wait', relay.url);
  await ann.messenger.contacts.add(ben.messenger.account.invite(), 'Ben');
  await ann.messenger.contacts.add(cat.messenger.account.invite(), 'Cat');
  await eventually(() => ben.messenger.contacts.list().length === 1 && cat.messenger.contacts.list().length === 1, 20_000);
}, 60_000);

afterAll(async () => {
  for (const u of [ann, ben, cat]) await u?.messenger.close().catch(() => undefined);
  await proxy?.close();
  await relay?.close();
});

describe('a non-contact member whose list cannot be fetched yet', () => {
  it('gets what we wrote to the group once their list comes, exactly once', async () => {
    const catId = cat.messenger.keys.accountId;
    const cut = refuseListFetches(proxy, ben.messenger.keys.deviceId, catId); // Ben cannot fetch Cat's list: she is no contact of his
    const group = (await ann.messenger.groups.create('Quay', [ben.messenger.keys.accountId, catId])).id;
    await eventually(() => ben.messenger.groups.list().some((g) => g.id === group) && cat.messenger.groups.list().some((g) => g.id === group), 20_000);
    expect(ben.messenger.store.groups.devicesOf(catId)).toEqual([]);
    expect(await ben.messenger.waitOnline()).toBe(true);
    const text = await ben.messenger.groups.sendText(group, 'Nets are dry');
    await eventually(() => ann.messenger.store.messages.get(text.id)?.body === 'Nets are dry', 20_000);
    expect(ben.messenger.contacts.list().map((c) => c.accountId)).not.toContain(catId);
    // It waits for Cat's list under her account's placeholder: our chain and the message.
    expect(ben.messenger.store.repairs.waitsFor(awaitingDevicesOf(catId), text.id)).toBe(true);
    expect(cat.messenger.store.messages.get(text.id)).toBeNull();
    cut.on = false;
    await eventually(async () => {
      await ben.messenger.conversations.flushUnsent();
      return cat.messenger.store.messages.get(text.id)?.body === 'Nets are dry';
    }, 30_000);
    expect(ben.messenger.store.groups.devicesOf(catId)).toEqual([cat.messenger.keys.deviceId]);
    expect(ben.messenger.store.repairs.waitsFor(awaitingDevicesOf(catId), text.id)).toBe(false);
    expect(cat.messenger.groups.history(group, 50).filter((m) => m.id === text.id)).toHaveLength(1);
    // And the next text goes straight to her device.
    const next = await ben.messenger.groups.sendText(group, 'Tide is up');
    await eventually(() => cat.messenger.store.messages.get(next.id)?.body === 'Tide is up', 20_000);
  }, 90_000);
});
