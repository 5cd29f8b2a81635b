/**
 * A send that names a device revoked meanwhile, end to end: real relay on
 * loopback, real profiles, a TCP proxy to take the sender off the network.
 * The relay refuses the send inside its enqueue transaction (here its
 * cached list still names the device, as another relay instance's would
 * until the change reaches it), the sender gets UNKNOWN_DEVICE, fetches the
 * list again, drops what was for the revoked device and sends the rest: the
 * text reaches the devices that remain, ends delivered, and nothing waits
 * in the revoked device's mailbox.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Messenger } from '../../src/main/messenger/messenger';
import { deviceKeyOf } from '../../src/relay/store/types';
import { startTestRelay } from '../support/relayHarness';
import { createUser, eventually, profileDir, TEST_PASSPHRASE, TEST_PWHASH, type TestUser } from '../support/chatHarness';
import { RelayProxy } from '../support/relayProxy';
import { CodeComparer } from '../support/linkCheck';
import { deliveryState, shownWithToken } from '../support/modelObserve';

let relay: Awaited<ReturnType<typeof startTestRelay>>;
let ben: TestUser;
let cai: TestUser;
let benProxy: RelayProxy;

beforeAll(async () => {
  relay = await startTestRelay();
  benProxy = await RelayProxy.start(relay.port);
  ben = await createUser('Ben', benProxy.url);
  cai = await createUser('Cai', relay.url);
  await ben.messenger.contacts.add(cai.messenger.account.invite(), 'Cai');
  await eventually(() => cai.messenger.contacts.list().length === 1);
});

afterAll(async () => {
  await ben?.messenger.close();
  await cai?.messenger.close();
  await benProxy?.close();
  await relay?.close();
});

/** Links Cai's second desktop and waits until Ben encrypts to both of Cai's devices. */
async function linkCaiTwo(): Promise<Messenger> {
  let code = '';
  const user = new CodeComparer();
  const linking = Messenger.link({ dir: profileDir(), relayUrl: relay.url, deviceName: 'Cai two', passphrase: TEST_PASSPHRASE, pwhash: TEST_PWHASH, onCode: (c) => (code = c), confirm: user.confirm });
  await eventually(() => code);
  user.saw(cai.messenger.devices.inspectLink(code));
  await cai.messenger.devices.acceptLink(code, null);
  const two = await linking;
  await eventually(() => ben.messenger.store.contacts.devices(cai.messenger.keys.accountId).length === 2, 15_000);
  return two;
}

describe('a send to a device revoked while the sender was offline', () => {
  it('is refused by the relay for the revoked device; the sender learns the list and the text reaches the remaining device', async () => {
    const caiId = cai.messenger.keys.accountId;
    const two = await linkCaiTwo();
    const twoId = two.keys.deviceId;
    // A first text makes Ben's sessions with both devices, so the next one is sealed to each at once.
    await ben.messenger.conversations.sendText(caiId, 'before');
    await eventually(() => !ben.messenger.store.repairs.hasUnsent() && ben.messenger.store.delivery.outbox(100).length === 0, 15_000);
    benProxy.setDeviceOnline(false);
    const token = `revoked-${Math.random().toString(36).slice(2, 10)}`;
    const sent = await ben.messenger.conversations.sendText(caiId, `${token} hello`);
    expect(ben.messenger.store.delivery.outbox(100).length).toBe(2); // one envelope per device of Cai's, as Ben knew them
    await cai.messenger.devices.revokeDevice(twoId);
    await two.revoked;
    // This relay instance still lists Cai two, as another instance would until the list change reaches it.
    relay.context.deviceCache.set(caiId, new Set([cai.messenger.keys.deviceId, twoId]));
    benProxy.setDeviceOnline(true);

    await eventually(() => shownWithToken(cai.messenger, ben.messenger.keys.accountId, token).length > 0, 15_000);
    expect(shownWithToken(cai.messenger, ben.messenger.keys.accountId, token)).toHaveLength(1);
    await eventually(() => deliveryState(ben.messenger, sent.id) === 'delivered', 15_000);
    expect(ben.messenger.store.contacts.devices(caiId)).toEqual([cai.messenger.keys.deviceId]);
    expect(ben.messenger.store.delivery.outbox(100)).toEqual([]);
    expect(await relay.context.store.pendingCount(deviceKeyOf(caiId, twoId), Date.now())).toBe(0);
  }, 90_000);
});
