/**
 * A group member who is not our contact links and revokes a desktop: the
 * signed list changes, their account tells the members of its groups as it
 * tells its contacts, and our group sends reach the new desktop and stop
 * going to the revoked one — as for a contact.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRelay } from '../support/relayHarness';
import { createUser, eventually, type TestUser } from '../support/chatHarness';
import { linkDesktop } from '../support/linkCheck';
import { Messenger } from '../../src/main/messenger/messenger';

let relay: Awaited<ReturnType<typeof startTestRelay>>;
let ann: TestUser;
let ben: TestUser;
let cat: TestUser;
let cat2: Messenger;
let groupId: string;

const has = (m: Messenger, text: string) => m.groups.history(groupId, 50).some((x) => x.body === text);
const catDevicesAtBen = () => ben.messenger.store.groups.devicesOf(cat.messenger.keys.accountId).sort();

beforeAll(async () => {
  relay = await startTestRelay();
  [ann, ben, cat] = (await Promise.all(['Ann Admin', 'Ben Member', 'Cat Stranger'].map((n) => createUser(n, relay.url)))) as [TestUser, TestUser, TestUser];
  await ann.messenger.contacts.add(ben.messenger.account.invite(), 'Ben');
  await ann.messenger.contacts.add(cat.messenger.account.invite(), 'Cat');
  await eventually(() => ben.messenger.contacts.list().length === 1 && cat.messenger.contacts.list().length === 1);
  groupId = (await ann.messenger.groups.create('Strangers', [ben.messenger.keys.accountId, cat.messenger.keys.accountId])).id;
  await eventually(() => ben.messenger.groups.list().length === 1 && cat.messenger.groups.list().length === 1);
  await eventually(() => catDevicesAtBen().length === 1);
}, 60_000);

afterAll(async () => {
  for (const m of [cat2, ann?.messenger, ben?.messenger, cat?.messenger]) await m?.close().catch(() => undefined);
  await relay?.close();
});

describe('a non-contact member’s devices', () => {
  it('reaches a desktop the member links after the group began', async () => {
    cat2 = await linkDesktop(cat.messenger, relay.url, 'Cat laptop');
    // Ben is not Cat's contact: he learns the new desktop from her announcement to the group's members.
    await eventually(() => catDevicesAtBen().includes(cat2.keys.deviceId), 20_000);
    expect(ben.messenger.contacts.list().map((c) => c.accountId)).not.toContain(cat.messenger.keys.accountId);
    await ben.messenger.groups.sendText(groupId, 'Hello both of Cat’s desks');
    await eventually(() => has(cat2, 'Hello both of Cat’s desks') && has(cat.messenger, 'Hello both of Cat’s desks'), 20_000);
  }, 60_000);

  it('stops sending to a desktop the member revoked', async () => {
    const revoked = cat2.keys.deviceId;
    await cat.messenger.devices.revokeDevice(revoked);
    await eventually(() => !catDevicesAtBen().includes(revoked), 20_000);
    expect(catDevicesAtBen()).toEqual([cat.messenger.keys.deviceId]);
    const address = { accountId: cat.messenger.keys.accountId, deviceId: revoked };
    expect(ben.messenger.store.protocol.loadSessionSync(address)).toBeNull();
    await ben.messenger.groups.sendText(groupId, 'Only the first desk now');
    await eventually(() => has(cat.messenger, 'Only the first desk now') && has(ann.messenger, 'Only the first desk now'), 20_000);
    // Never addressed: the relay had nothing to refuse.
    expect(ben.messenger.store.audit.list(200).some((r) => r.kind === 'delivery.failed' && r.detail['address'] === `${cat.messenger.keys.accountId}.${revoked}`)).toBe(false);
  }, 60_000);
});
