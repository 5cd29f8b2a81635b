/**
 * A group member who is not everyone's contact rotates their recovery
 * phrase twice (protocol §6.6, §8.7), through a real relay on loopback with
 * real profiles: Ann (the admin) has Ben and Cat as contacts; Ben and Cat
 * are not contacts of each other, and each has a second desktop. After each
 * rotation Ann puts Cat's new key in the group; every device then shows
 * Cat's change and reads her next group text, and no device fails to
 * decrypt anything on the way (before the fix the second change, sent from
 * the middle key, did not decrypt at Ben: PROTOCOL_NO_SESSION).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Messenger } from '../../src/main/messenger/messenger';
import { startTestRelay } from '../support/relayHarness';
import { eventually, type TestUser } from '../support/chatHarness';
import { groupTrio } from '../support/groupTrio';
import { linkDesktop } from '../support/linkCheck';

let relay: Awaited<ReturnType<typeof startTestRelay>>;
const extra: TestUser[] = [];
let ann: TestUser;
let ben: TestUser;
let cat: TestUser;
let ben2: Messenger;
let cat2: Messenger;
let groupId = '';
const catKeys: string[] = [];

const has = (m: Messenger, text: string) => m.groups.history(groupId, 100).some((x) => x.body === text);
const failures = (m: Messenger) => m.store.audit.list(1000).filter((r) => r.kind === 'decrypt.failed' || r.kind === 'envelope.rejected' || r.kind === 'group.rejected');
const everyone = () => [ann.messenger, ben.messenger, ben2, cat.messenger, cat2];
const others = () => [ann.messenger, ben.messenger, ben2];

/** Cat rotates; Ann and Ben show the change from her current key; Ann puts the new key in; everyone lists it. */
async function rotateAndAdopt(): Promise<{ from: string; to: string }> {
  const from = cat.messenger.keys.accountId;
  await cat.messenger.devices.rotatePhrase();
  const to = cat.messenger.keys.accountId;
  catKeys.push(to);
  await eventually(() => cat2.keys.accountId === to, 30_000);
  for (const m of others()) await eventually(() => m.groups.keyChanges(groupId).some((k) => k.accountId === from && k.newAccountId === to), 30_000);
  await ann.messenger.groups.adoptMemberKey(groupId, from);
  await eventually(() => everyone().every((m) => m.groups.get(groupId).members.some((x) => x.accountId === to) && !m.groups.get(groupId).members.some((x) => x.accountId === from)), 30_000);
  await eventually(() => [cat.messenger, cat2].every((m) => m.groups.get(groupId).status === 'member'), 30_000);
  return { from, to };
}

beforeAll(async () => {
  relay = await startTestRelay();
  ({ ann, ben, cat, groupId } = await groupTrio(relay.url, 'Twice', 'Twice Club'));
  catKeys.push(cat.messenger.keys.accountId);
  ben2 = await linkDesktop(ben.messenger, relay.url, 'Ben laptop');
  cat2 = await linkDesktop(cat.messenger, relay.url, 'Cat laptop');
  // Each learns the other's second desktop: Ben and Cat as group members, Ann as their contact.
  const devicesOf = (m: Messenger, u: TestUser) => m.store.groups.devicesOf(u.messenger.keys.accountId).length;
  const contactDevices = (u: TestUser) => ann.messenger.store.db.prepare('SELECT count(*) FROM contact_devices WHERE account_id = ?').pluck().get(u.messenger.keys.accountId);
  await eventually(() => devicesOf(cat.messenger, ben) === 2 && devicesOf(ben.messenger, cat) === 2 && contactDevices(ben) === 2 && contactDevices(cat) === 2, 20_000);
  // Ben and Cat write once each, so each holds a session with the other.
  await ben.messenger.groups.sendText(groupId, 'Ben says hello');
  await cat.messenger.groups.sendText(groupId, 'Cat says hello');
  await eventually(() => [cat.messenger, cat2].every((m) => has(m, 'Ben says hello')) && [ann.messenger, ben.messenger, ben2].every((m) => has(m, 'Cat says hello')), 20_000);
  expect(ben.messenger.contacts.list().map((c) => c.accountId)).not.toContain(cat.messenger.keys.accountId);
}, 90_000);

afterAll(async () => {
  for (const m of [ann?.messenger, ben?.messenger, ben2, cat?.messenger, cat2, ...extra.map((u) => u.messenger)]) await m?.close().catch(() => undefined);
  await relay?.close();
});

describe('a member who rotates twice, each new key put in by an admin', () => {
  it('shows the first change at every member, and every member lists the new key once an admin puts it in', async () => {
    const { from, to } = await rotateAndAdopt();
    for (const m of others()) expect(m.groups.keyChanges(groupId).map((k) => [k.accountId, k.newAccountId])).toEqual([[from, to]]);
    for (const m of everyone()) expect(failures(m)).toEqual([]);
  }, 120_000);

  it('shows the second change, sent from the middle key, at every member; after the admin puts the third key in, the member’s next text reads everywhere', async () => {
    const { from, to } = await rotateAndAdopt();
    expect(from).toBe(catKeys[1]);
    for (const m of others()) {
      expect(m.groups.keyChanges(groupId).map((k) => [k.accountId, k.newAccountId])).toEqual([
        [catKeys[0], catKeys[1]],
        [catKeys[1], catKeys[2]],
      ]);
    }
    await cat.messenger.groups.sendText(groupId, 'Cat under her third key');
    await eventually(() => [...others(), cat2].every((m) => has(m, 'Cat under her third key')), 30_000);
    for (const m of others()) expect(m.groups.history(groupId, 100).find((x) => x.body === 'Cat under her third key')?.sender).toBe(to);
    await ben.messenger.groups.sendText(groupId, 'Ben answers the third key');
    await eventually(() => [ann.messenger, ben2, cat.messenger, cat2].every((m) => has(m, 'Ben answers the third key')), 30_000);
    for (const m of everyone()) expect(failures(m)).toEqual([]);
  }, 120_000);

  it('after a single rotation, the member’s first text under the adopted key reads at a non-contact member without a failed decrypt or a repair', async () => {
    const trio = await groupTrio(relay.url, 'Once', 'Once Club');
    extra.push(trio.ann, trio.ben, trio.cat);
    const once = (m: Messenger, text: string) => m.groups.history(trio.groupId, 100).some((x) => x.body === text);
    await trio.ben.messenger.groups.sendText(trio.groupId, 'Ben once');
    await trio.cat.messenger.groups.sendText(trio.groupId, 'Cat once');
    await eventually(() => once(trio.cat.messenger, 'Ben once') && once(trio.ben.messenger, 'Cat once'), 20_000);
    const from = trio.cat.messenger.keys.accountId;
    await trio.cat.messenger.devices.rotatePhrase();
    await eventually(() => [trio.ann, trio.ben].every((u) => u.messenger.groups.keyChanges(trio.groupId).length === 1), 30_000);
    await trio.ann.messenger.groups.adoptMemberKey(trio.groupId, from);
    await eventually(() => trio.cat.messenger.groups.get(trio.groupId).status === 'member' && trio.ben.messenger.groups.get(trio.groupId).members.some((x) => x.accountId === trio.cat.messenger.keys.accountId), 30_000);
    await trio.cat.messenger.groups.sendText(trio.groupId, 'Cat’s first word under the adopted key');
    await eventually(() => [trio.ann, trio.ben].every((u) => once(u.messenger, 'Cat’s first word under the adopted key')), 30_000);
    for (const u of [trio.ann, trio.ben, trio.cat]) {
      expect(failures(u.messenger)).toEqual([]);
      expect(u.messenger.store.audit.list(1000).filter((r) => r.kind === 'session.repaired')).toEqual([]);
    }
  }, 120_000);
});
