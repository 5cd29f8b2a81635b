/**
 * Regression tests for what the model-based test found in groups (see
 * docs/ARCHITECTURE.md, "Groups in the model-based test"):
 * - a desktop linked while the group's creation was still on its way to the
 *   linking desktop never learned the group (the link snapshot was taken
 *   before, and nobody told the new desktop later);
 * - leaving on one desktop left the account's other desktops showing
 *   themselves members;
 * - the last member leaving a group got GROUP_UNKNOWN back, though the leave
 *   was made;
 * - a group text on its way to the linking desktop never reached the new one;
 * - a desktop that had a contact from our other desktop but not yet their
 *   devices made a group with them, and the group never reached them;
 * - a desktop linked while a group's creation from someone who is not a
 *   contact was on its way never learned the group (its author was never
 *   told of it), and content that waited for a device's prekeys was
 *   overtaken by newer content, which the device refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRelay } from '../support/relayHarness';
import { holdEnvelopes as holdAll, refuseListFetches as refuseFetches, startHostileRelay, type HostileRelay, type ProxiedConnection } from '../support/hostileRelay';
import { createUser, eventually, profileDir, TEST_PASSPHRASE, TEST_PWHASH, type TestUser } from '../support/chatHarness';
import { linkDesktop } from '../support/linkCheck';
import { Messenger } from '../../src/main/messenger/messenger';

let relay: Awaited<ReturnType<typeof startTestRelay>>;
let hostile: HostileRelay;
let ann: Messenger;
let ann2: Messenger;
let ben: TestUser;
let groupId: string;

beforeAll(async () => {
  relay = await startTestRelay();
  hostile = await startHostileRelay(relay.url);
  ann = (await Messenger.create({ dir: profileDir(), displayName: 'Ann Two Desks', relayUrl: hostile.url, passphrase: TEST_PASSPHRASE, pwhash: TEST_PWHASH })).messenger;
  await ann.waitOnline();
  ben = await createUser('Ben Admin', relay.url);
  await ann.contacts.add(ben.messenger.account.invite(), 'Ben');
  await eventually(() => ben.messenger.contacts.list().some((c) => c.accountId === ann.keys.accountId));
}, 60_000);

afterAll(async () => {
  for (const m of [ann2, ann, ben?.messenger]) await m?.close().catch(() => undefined);
  await hostile?.close();
  await relay?.close();
});

/** Makes the relay in the middle hold back every envelope pushed to Ann's desktops (until `hostile.down` passes again). */
const holdEnvelopes = (): { count: number } => holdAll(hostile);

/** Drops the connection of device `deviceId` under each request for `accountId`'s device list while `on`. */
const refuseListFetches = (deviceId: string, accountId: string): { on: boolean } => refuseFetches(hostile, deviceId, accountId);

describe('groups: what the model-based test found', () => {
  it('tells a desktop linked while the group’s creation was still on its way to the linking desktop', async () => {
    // The relay holds back every envelope for Ann's first desktop: the creation is in flight when she links.
    const held = holdEnvelopes();
    groupId = (await ben.messenger.groups.create('Harbour', [ann.keys.accountId])).id;
    await eventually(() => held.count > 0);
    ann2 = await linkDesktop(ann, ann.relayUrl, 'Ann laptop');
    expect(ann2.groups.list()).toEqual([]); // the link carried no group: the first desktop had not seen it
    hostile.down = (f) => f;
    for (const c of hostile.connections) c.close(); // the first desktop reconnects and gets what was held back
    // Ben learns of the new desktop and forwards the group's state to it, as he does a late device's texts.
    await eventually(() => ann2.groups.list().find((g) => g.id === groupId)?.status === 'member', 20_000);
    expect(ann2.groups.get(groupId).members.map((m) => m.accountId)).toEqual([ben.messenger.keys.accountId, ann.keys.accountId]);
    await ben.messenger.groups.sendText(groupId, 'Both desks hear this');
    await eventually(() => ann2.groups.history(groupId, 10).some((m) => m.body === 'Both desks hear this'), 20_000);
  }, 60_000);

  // Model seed 20261204, path 608: the text was on its way to the linking desktop, so the link did not carry it, and
  // the upload never named the new desktop. The sender now forwards it with its chain, as it does a 1:1 text.
  it('shows a group text that was on its way while a desktop was linked on that desktop too', async () => {
    // Ann's first desktop holds the group (the linking history carries it), but not the text.
    await eventually(() => ann.groups.list().find((g) => g.id === groupId)?.status === 'member', 20_000);
    const held = holdEnvelopes();
    const sent = await ben.messenger.groups.sendText(groupId, 'Said while the third desk linked');
    await eventually(() => held.count > 0);
    const ann3 = await linkDesktop(ann, ann.relayUrl, 'Ann tablet');
    try {
      expect(ann3.groups.history(groupId, 10).some((m) => m.id === sent.id)).toBe(false); // not in the link: the first desktop had not seen it
      hostile.down = (f) => f;
      for (const c of hostile.connections) c.close();
      await eventually(() => ann3.groups.history(groupId, 10).filter((m) => m.id === sent.id).length === 1, 20_000);
      await eventually(() => ann.groups.history(groupId, 10).some((m) => m.id === sent.id), 20_000);
      expect(ann3.groups.history(groupId, 10).find((m) => m.id === sent.id)?.body).toBe('Said while the third desk linked');
      expect(ann3.store.messages.get(sent.id)?.kind).toBe('text');
    } finally {
      hostile.down = (f) => f;
      await ann3.close();
    }
  }, 60_000);

  it('shows a leave made on one desktop on the account’s other desktops', async () => {
    await eventually(() => ann.groups.list().find((g) => g.id === groupId)?.status === 'member', 20_000);
    await ann.groups.leave(groupId);
    await eventually(() => ann2.groups.get(groupId).status === 'left', 20_000);
    await eventually(() => ben.messenger.groups.get(groupId).members.length === 1);
    await expect(ann2.groups.sendText(groupId, 'still here?')).rejects.toMatchObject({ code: 'GROUP_NOT_MEMBER' });
  }, 40_000);

  it('lets the last member leave a group and shows it as left', async () => {
    const alone = await ben.messenger.groups.create('Solo', []);
    const left = await ben.messenger.groups.leave(alone.id);
    expect(left).toMatchObject({ id: alone.id, status: 'left', members: [] });
    expect(ben.messenger.groups.list().find((g) => g.id === alone.id)?.status).toBe('left');
  });

  // Model seed 20261208, path 55:9:11:11:4:9: Ben's second desktop had Cai as a contact (synced from his first) but none
  // of Cai's devices yet, and made a group with Cai: the creation and the chain went to no device of Cai's, for good.
  it('reaches a contact whose devices this desktop had not fetched yet when it makes a group with them', async () => {
    const cai = await createUser('Cai Synced', relay.url);
    try {
      const caiId = cai.messenger.keys.accountId;
      // Ann's second desktop cannot fetch Cai's list until `cut.on` is off (its connection drops under the request).
      const cut = refuseListFetches(ann2.keys.deviceId, caiId);
      await ann.contacts.add(cai.messenger.account.invite(), 'Cai');
      await eventually(() => ann2.store.contacts.get(caiId) !== null, 30_000);
      expect(ann2.store.contacts.devices(caiId)).toEqual([]);
      cut.on = false;
      expect(await ann2.waitOnline()).toBe(true);
      const made = await ann2.groups.create('Synced', [caiId]);
      await eventually(() => cai.messenger.groups.list().find((g) => g.id === made.id)?.status === 'member', 20_000);
      await ann2.groups.sendText(made.id, 'Cai reads this');
      await eventually(() => cai.messenger.groups.history(made.id, 10).some((m) => m.body === 'Cai reads this'), 20_000);
    } finally {
      hostile.up = (f) => f;
      await cai.messenger.close();
    }
  }, 60_000);

  it('makes a group with and writes to a contact whose devices cannot be fetched yet, and both reach them once their list comes', async () => {
    const cai = await createUser('Cai Later', relay.url);
    try {
      const caiId = cai.messenger.keys.accountId;
      const cut = refuseListFetches(ann2.keys.deviceId, caiId);
      await ann.contacts.add(cai.messenger.account.invite(), 'Cai Later'); // another name: a known name with a new key is an identity change
      await eventually(() => ann2.store.contacts.get(caiId) !== null, 30_000);
      expect(await ann2.waitOnline()).toBe(true);
      const made = await ann2.groups.create('Later', [caiId]);
      const sent = await ann2.groups.sendText(made.id, 'Waits for Cai’s list');
      expect(ann2.store.contacts.devices(caiId)).toEqual([]); // every fetch failed: nothing could go to Cai yet
      expect(cai.messenger.groups.list().some((g) => g.id === made.id)).toBe(false);
      cut.on = false;
      await eventually(() => cai.messenger.groups.list().find((g) => g.id === made.id)?.status === 'member', 30_000);
      await eventually(() => cai.messenger.groups.history(made.id, 10).filter((m) => m.id === sent.id).length === 1, 20_000);
      expect(cai.messenger.groups.history(made.id, 10).find((m) => m.id === sent.id)?.body).toBe('Waits for Cai’s list');
    } finally {
      hostile.up = (f) => f;
      await cai.messenger.close();
    }
  }, 90_000);

  // Model seed 20261212, path 150:20:1:9:9:7: Dan (not Eve's contact) made a group with Eve while Eve linked a second
  // desktop; Eve's first desktop announced it before Dan's messages came, so Dan was never told and never reached it.
  it('brings a group from someone who is not a contact to a desktop linked while its creation was on its way', () =>
    withDanAndEve(async (dan, eve, linkEve) => {
      const eveId = eve.keys.accountId;
      const held = holdEnvelopes();
      await dan.contacts.add(eve.account.invite(), 'Eve');
      const made = await dan.groups.create('Quay', [eveId]);
      await eventually(() => held.count > 0 && dan.store.delivery.outbox(10).length === 0, 20_000);
      const second = await linkEve();
      expect(second.groups.list()).toEqual([]); // the link carried no group: the first desktop had not seen it
      hostile.down = (f) => f;
      for (const c of hostile.connections) c.close(); // the first desktop reconnects and gets what was held back
      await eventually(() => eve.groups.list().find((g) => g.id === made.id)?.status === 'member', 20_000);
      await eventually(() => second.groups.list().find((g) => g.id === made.id)?.status === 'member', 20_000);
      await dan.groups.sendText(made.id, 'Both of Eve’s desks read this');
      await eventually(() => second.groups.history(made.id, 10).some((m) => m.body === 'Both of Eve’s desks read this'), 20_000);
    }), 90_000);

  // The same scenario, the other race: Dan knew the new desktop, but its prekeys were not on the relay yet, so the
  // creation waited for a session (logged unsent); what Dan sent next overtook it and the desktop refused it (unknown group).
  it('keeps each device’s order when a group’s creation waited for its prekeys: texts before and after reach it', () =>
    withDanAndEve(async (dan, eve, linkEve) => {
      const eveId = eve.keys.accountId;
      await dan.contacts.add(eve.account.invite(), 'Eve');
      await eve.contacts.add(dan.account.invite(), 'Dan'); // contacts both ways: Dan is told of Eve's new desktop
      await eventually(() => dan.store.contacts.devices(eveId).length === 1, 20_000);
      const slow = holdPrekeysOfNewDevice(eveId, eve.keys.deviceId);
      const second = await linkEve();
      await eventually(() => dan.store.contacts.devices(eveId).length === 2, 20_000);
      const made = await dan.groups.create('Pier', [eveId]); // no bundle for the new desktop: logged unsent for it
      await dan.groups.sendText(made.id, 'Before the keys');
      await eventually(() => eve.groups.history(made.id, 10).some((m) => m.body === 'Before the keys'), 20_000);
      expect(dan.store.repairs.unsent(10).map((e) => e.recipient)).toContain(`${eveId}.${second.keys.deviceId}`);
      slow.on = false; // its prekeys go up now; what it sends does not yet (its announcement would have Dan retry at once)
      for (const c of hostile.connections) if (slow.conns.has(c)) c.close(); // the new desktop connects again and uploads its prekeys
      await eventually(() => second.store.directory.setting('relay.prekeysUploaded') === '1', 20_000);
      await dan.groups.sendText(made.id, 'After the keys'); // a session can be made now: it must not overtake what waits
      slow.quiet = false;
      const shown = (): string[] => (second.groups.list().some((g) => g.id === made.id) ? second.groups.history(made.id, 10).map((m) => m.body) : []);
      await eventually(() => ['Before the keys', 'After the keys'].every((b) => shown().includes(b)), 20_000);
      expect(second.groups.get(made.id).status).toBe('member');
    }), 90_000);
});

/** Runs `fn` with Dan (on the relay) and Eve (behind the relay in the middle) and a way to link Eve's second desktop; closes all after. */
async function withDanAndEve(fn: (dan: Messenger, eve: Messenger, linkEve: () => Promise<Messenger>) => Promise<void>): Promise<void> {
  const dan = await createUser('Dan', relay.url);
  const eve = await createUser('Eve', hostile.url);
  let eve2: Messenger | undefined;
  try {
    await fn(dan.messenger, eve.messenger, async () => (eve2 = await linkDesktop(eve.messenger, eve.messenger.relayUrl, 'Eve laptop')));
  } finally {
    hostile.up = (f) => f;
    hostile.down = (f) => f;
    for (const m of [eve2, eve.messenger, dan.messenger]) await m?.close().catch(() => undefined);
  }
}

/**
 * For any device of `accountId` but `known` (the relay in the middle never answers): swallows its prekey upload while
 * `on`, and its sends while `quiet`.
 */
function holdPrekeysOfNewDevice(accountId: string, known: string): { on: boolean; quiet: boolean; conns: Set<ProxiedConnection> } {
  const slow = { on: true, quiet: true, conns: new Set<ProxiedConnection>() };
  const auth = new RegExp(`"type":"auth","accountId":"${accountId}","deviceId":"([^"]+)"`);
  hostile.up = (frame, conn) => {
    const id = conn.seen.map((x) => (x.dir === 'up' ? auth.exec(x.frame)?.[1] : undefined)).find((x) => x !== undefined);
    if (id === undefined || id === known) return frame;
    const held = (slow.on && frame.includes('"type":"uploadPrekeys"')) || (slow.quiet && /"type":"send(Multi)?"/.test(frame));
    if (held) slow.conns.add(conn);
    return held ? null : frame;
  };
  return slow;
}
