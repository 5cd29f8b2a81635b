/**
 * Regressions for issue 11's lost first messages, each on a real relay on
 * loopback and real encrypted profiles, with a TCP proxy in front of each
 * person to take them off the network: mutual adds, an add while the other
 * side is closed, both writing first, and three messages sent before the
 * other side's profile message was processed. Every text must show exactly
 * once at the other side and end `delivered` at the sender.
 */
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { startTestRelay } from '../support/relayHarness';
import { createUser, eventually, profileDir, reopen, TEST_PASSPHRASE, TEST_PWHASH, type TestUser } from '../support/chatHarness';
import { Messenger } from '../../src/main/messenger/messenger';
import { SETTING } from '../../src/main/account/settingKeys';
import { startHostileRelay } from '../support/hostileRelay';
import { RelayProxy } from '../support/relayProxy';
import { deliveryState, shownWithToken } from '../support/modelObserve';
import { CodeComparer } from '../support/linkCheck';

/** How long a text may take to arrive and be confirmed on loopback (bounds only a failing test). */
const ARRIVAL_MS = 8_000;

let relay: Awaited<ReturnType<typeof startTestRelay>>;
let open: { user: TestUser; proxy: RelayProxy }[] = [];

beforeAll(async () => {
  relay = await startTestRelay();
});

afterAll(async () => {
  await relay?.close();
});

afterEach(async () => {
  for (const p of open) {
    await p.user.messenger.close().catch(() => undefined); // already closed by the test
    await p.proxy.close();
  }
  open = [];
});

/** A person on their own proxy, online. */
async function person(name: string): Promise<{ user: TestUser; proxy: RelayProxy }> {
  const proxy = await RelayProxy.start(relay.port);
  const p = { user: await createUser(name, proxy.url), proxy };
  open.push(p);
  return p;
}

/** Adds `invite` as a contact (when the other side's profile message made them a contact first, adding succeeds all the same). */
async function add(u: TestUser, invite: string, name: string): Promise<void> {
  await u.messenger.contacts.add(invite, name);
}

/** Sends a text and returns its id and a unique token. */
async function write(from: TestUser, to: TestUser, label: string): Promise<{ id: string; token: string }> {
  const token = `${label}-${Math.random().toString(36).slice(2, 10)}`;
  const m = await from.messenger.conversations.sendText(to.messenger.keys.accountId, `${token} hello`);
  return { id: m.id, token };
}

/** The text shows exactly once at the recipient and ends delivered at the sender. */
async function expectArrived(from: TestUser, to: TestUser, sent: { id: string; token: string }): Promise<void> {
  const shown = () => shownWithToken(to.messenger, from.messenger.keys.accountId, sent.token).length;
  await eventually(() => shown() > 0, ARRIVAL_MS).catch(() => undefined); // the expectation below reports it
  expect(shown(), `${sent.token} shown at the recipient`).toBe(1);
  await eventually(() => deliveryState(from.messenger, sent.id) === 'delivered', ARRIVAL_MS).catch(() => undefined); // reported below
  expect(deliveryState(from.messenger, sent.id), `${sent.token} state at the sender`).toBe('delivered');
}

describe('first messages between two people who add each other', () => {
  it('delivers the first message after both add each other at the same time', async () => {
    const ann = await person('Ann');
    const ben = await person('Ben');
    await Promise.all([add(ann.user, ben.user.messenger.account.invite(), 'Ben'), add(ben.user, ann.user.messenger.account.invite(), 'Ann')]);
    const first = await write(ann.user, ben.user, 'mutual');
    await expectArrived(ann.user, ben.user, first);
  });

  it('delivers the first message after Ben adds Ann and Ann, at once, adds Ben', async () => {
    const ann = await person('Ann');
    const ben = await person('Ben');
    await add(ben.user, ann.user.messenger.account.invite(), 'Ann');
    await add(ann.user, ben.user.messenger.account.invite(), 'Ben');
    const first = await write(ben.user, ann.user, 'in-a-row');
    await expectArrived(ben.user, ann.user, first);
  });

  it('shows the message Ann wrote while Ben was closed, after Ben opens and adds Ann', async () => {
    const ann = await person('Ann');
    const ben = await person('Ben');
    const benInvite = ben.user.messenger.account.invite();
    await ben.user.messenger.close();
    await add(ann.user, benInvite, 'Ben');
    const early = await write(ann.user, ben.user, 'while-closed');
    await reopen(ben.user, ben.proxy.url);
    await add(ben.user, ann.user.messenger.account.invite(), 'Ann');
    await expectArrived(ann.user, ben.user, early);
  });

  it('adds someone whose introduction arrived first, under the name the user types, with no error', async () => {
    const ann = await person('Ann');
    const ben = await person('Ben');
    const annId = ann.user.messenger.keys.accountId;
    await add(ann.user, ben.user.messenger.account.invite(), 'Ben');
    await eventually(() => ben.user.messenger.contacts.list().find((c) => c.accountId === annId));
    const added = await ben.user.messenger.contacts.add(ann.user.messenger.account.invite(), 'Ann Lee');
    expect(added).toMatchObject({ accountId: annId, name: 'Ann Lee' });
    expect(ben.user.messenger.contacts.list().map((c) => c.name)).toEqual(['Ann Lee']);
    expect(ben.user.messenger.store.messages.listConversations(10).find((c) => c.id === annId)?.title).toBe('Ann Lee');
    await expectArrived(ann.user, ben.user, await write(ann.user, ben.user, 'after-adopt'));
  });

  it('delivers both first messages when both write right after adding each other, before either has read the other', async () => {
    const ann = await person('Ann');
    const ben = await person('Ben');
    await add(ben.user, ann.user.messenger.account.invite(), 'Ann');
    await add(ann.user, ben.user.messenger.account.invite(), 'Ben');
    const [fromAnn, fromBen] = await Promise.all([write(ann.user, ben.user, 'ann-first'), write(ben.user, ann.user, 'ben-first')]);
    await expectArrived(ann.user, ben.user, fromAnn);
    await expectArrived(ben.user, ann.user, fromBen);
  });

  it('delivers three messages sent before the other side’s profile message was processed', async () => {
    const ann = await person('Ann');
    const ben = await person('Ben');
    await add(ben.user, ann.user.messenger.account.invite(), 'Ann');
    await add(ann.user, ben.user.messenger.account.invite(), 'Ben');
    // Ben goes off the network at once: Ann's profile message waits on the relay while he writes three times.
    ben.proxy.setDeviceOnline(false);
    const three = [await write(ben.user, ann.user, 'one'), await write(ben.user, ann.user, 'two'), await write(ben.user, ann.user, 'three')];
    ben.proxy.setDeviceOnline(true);
    for (const t of three) await expectArrived(ben.user, ann.user, t);
  });
});

/** Links a new desktop of `from`'s account through `from`'s address (link codes name it); returns it open there. */
async function linkFrom(from: Messenger, relayUrl: string): Promise<Messenger> {
  let code = '';
  const user = new CodeComparer();
  const linking = Messenger.link({ dir: profileDir(), relayUrl, deviceName: 'Another desktop', passphrase: TEST_PASSPHRASE, pwhash: TEST_PWHASH, onCode: (c) => (code = c), confirm: user.confirm });
  await eventually(() => code);
  user.saw(from.devices.inspectLink(code));
  await from.devices.acceptLink(code, null);
  const linked = await linking;
  await eventually(() => linked.store.directory.setting(SETTING.prekeysUploaded) === '1');
  return linked;
}

describe('a device the sender learns of late', () => {
  // Cai two's first message to Ben saves its identity in the stored list; the forward to it must be logged in the
  // same transaction that records the list, or the device already looks known and nothing is forwarded.
  it('gets a text written while the sender was offline and did not yet know the device', async () => {
    const ben = await person('Ben');
    const cai = await person('Cai');
    await add(ben.user, cai.user.messenger.account.invite(), 'Cai');
    await eventually(() => cai.user.messenger.contacts.list().length === 1);
    ben.proxy.setDeviceOnline(false);
    let code = '';
    const user = new CodeComparer();
    const linking = Messenger.link({ dir: profileDir(), relayUrl: cai.proxy.url, deviceName: 'Cai two', passphrase: TEST_PASSPHRASE, pwhash: TEST_PWHASH, onCode: (c) => (code = c), confirm: user.confirm });
    await eventually(() => code);
    user.saw(cai.user.messenger.devices.inspectLink(code));
    await cai.user.messenger.devices.acceptLink(code, null);
    let cai2 = await linking;
    const dir2 = cai2.store.dir!;
    // Its first prekeys are on the relay before it closes (as when a person quits right after linking, once the app said "done").
    await eventually(() => cai2.store.directory.setting(SETTING.prekeysUploaded) === '1');
    await cai2.close();
    const sent = await write(ben.user, cai.user, 'late-device');
    await ben.user.messenger.conversations.editMessage(sent.id, `${sent.token} edited`);
    ben.proxy.setDeviceOnline(true);
    cai2 = await Messenger.open({ dir: dir2, passphrase: TEST_PASSPHRASE });
    try {
      await eventually(() => shownWithToken(cai2, ben.user.messenger.keys.accountId, sent.token).length === 1, 30_000);
      await eventually(() => cai2.conversations.history(ben.user.messenger.keys.accountId, 10).some((m) => m.body.endsWith('edited')), 30_000);
    } finally {
      await cai2.close();
    }
  }, 90_000);

  // Model seed 20261204, path 578: the just-linked desktop's fetch of the new contact's list failed (the connection
  // dropped under it), and its text then went only to our own devices; now it waits for the list (awaitingDevicesOf).
  it('delivers a text a just-linked desktop wrote before it had any of the contact’s devices on record', async () => {
    const ann = await person('Ann');
    const ben = await person('Ben');
    const benId = ben.user.messenger.keys.accountId;
    const hostile = await startHostileRelay(relay.url);
    const linked = await linkFrom(ann.user.messenger, ann.proxy.url);
    const twoDir = linked.store.dir!;
    await linked.close();
    // Ann two's connection drops under its requests for Ben's list while `cut` is on (a relay restart, as in the model).
    let cut = true;
    hostile.up = (frame, conn) => {
      if (cut && frame.includes('"getDeviceList"') && frame.includes(benId)) {
        conn.close();
        return null;
      }
      return frame;
    };
    const two = await Messenger.open({ dir: twoDir, passphrase: TEST_PASSPHRASE, relayUrl: hostile.url });
    try {
      expect(await two.waitOnline()).toBe(true);
      await add(ann.user, ben.user.messenger.account.invite(), 'Ben');
      await eventually(() => two.store.contacts.get(benId) && two.store.audit.list(100).some((e) => e.kind === 'devices.refresh_failed'), 30_000);
      expect(two.store.contacts.devices(benId)).toEqual([]);
      const token = `before-list-${Math.random().toString(36).slice(2, 10)}`;
      const sent = (await two.conversations.sendText(benId, `${token} hello`)).id;
      await eventually(() => two.store.audit.list(100).filter((e) => e.kind === 'devices.refresh_failed').length >= 2, 30_000);
      cut = false;
      await eventually(() => shownWithToken(ben.user.messenger, ann.user.messenger.keys.accountId, token).length === 1, 30_000);
      await eventually(() => two.store.messages.get(sent)?.state === 'delivered', 30_000);
      expect(two.store.contacts.devices(benId)).toEqual(ben.user.messenger.store.ownDevices.all().map((d) => d.deviceId));
    } finally {
      await two.close();
      await hostile.close();
    }
  }, 120_000);

  it('gets the transcript of a text our own offline desktop wrote before it knew the new desktop', async () => {
    const ann = await person('Ann');
    const ben = await person('Ben');
    await add(ann.user, ben.user.messenger.account.invite(), 'Ben');
    await eventually(() => ben.user.messenger.contacts.list().length === 1);
    // Ann two links from Ann one, then moves to a door of its own; Ann three links from Ann two while Ann one is off the network.
    const twoProxy = await RelayProxy.start(relay.port);
    let two = await linkFrom(ann.user.messenger, ann.proxy.url);
    const twoDir = two.store.dir!;
    await two.close();
    two = await Messenger.open({ dir: twoDir, passphrase: TEST_PASSPHRASE, relayUrl: twoProxy.url });
    let three: Messenger | null = null;
    try {
      ann.proxy.setDeviceOnline(false);
      three = await linkFrom(two, twoProxy.url);
      const sent = await write(ann.user, ben.user, 'own-late');
      ann.proxy.setDeviceOnline(true);
      const benId = ben.user.messenger.keys.accountId;
      const shownOnThree = (): number => shownWithToken(three!, benId, sent.token).length;
      await eventually(() => shownOnThree() > 0, 30_000).catch(() => undefined); // the expectation below reports it
      expect(shownOnThree(), 'the transcript on the desktop Ann one learned of late').toBe(1);
    } finally {
      await three?.close();
      await two.close();
      await twoProxy.close();
    }
  }, 120_000);
});
