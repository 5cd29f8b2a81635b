/**
 * No device-list rollback across restarts (issue 13 §2, docs/protocol.md §6.7):
 * a profile persists the highest list version it verified for every account,
 * so after a restart a hostile relay serving an older, genuinely signed list
 * is refused, and a revoked contact device does not become a recipient again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adoptList, storedList } from '../../src/main/account/deviceList';
import { Messenger } from '../../src/main/messenger/messenger';
import { RelayClient } from '../../src/main/relayClient/client';
import { generateSigningKey, signDeviceList } from '../../src/main/relayClient/signing';
import type { SignedDeviceList } from '../../src/shared/wire/deviceList';
import { createUser, eventually, profileDir, reopen, TEST_PASSPHRASE, TEST_PWHASH, type TestUser } from '../support/chatHarness';
import { startHostileRelay, type HostileRelay } from '../support/hostileRelay';
import { startTestRelay } from '../support/relayHarness';

describe('device-list versions persist across restarts', () => {
  let relay: Awaited<ReturnType<typeof startTestRelay>>;
  let hostile: HostileRelay;
  const open: TestUser[] = [];

  beforeAll(async () => {
    relay = await startTestRelay();
    hostile = await startHostileRelay(relay.url);
  });
  afterAll(async () => {
    for (const u of open) await u.messenger.close();
    await hostile.close();
    await relay.close();
  });

  it('refuses an older genuinely signed contact list after a restart, and the revoked device stays no recipient', async () => {
    const ben = await createUser('Ben Listed', relay.url);
    open.push(ben);
    const keys = ben.messenger.keys;
    // Ben's account links a second device and then revokes it: versions 2 and 3, genuinely signed.
    const benLink = await RelayClient.connect(relay.url);
    await benLink.authenticate(keys.accountId, keys.deviceSigner);
    const current = await benLink.getDeviceList(keys.accountId);
    const revoked = await generateSigningKey();
    const withRevoked = signDeviceList(keys.accountSigner, current.version + 1, [...current.devices, { deviceId: revoked.id, addedAt: 5 }], keys.deviceSigner);
    await benLink.putDeviceList(withRevoked);
    await benLink.putDeviceList(signDeviceList(keys.accountSigner, current.version + 2, current.devices, keys.deviceSigner));
    await benLink.close();

    const dir = profileDir();
    const ann: TestUser = { dir, inbox: [], phrase: '', messenger: (await Messenger.create({ dir, displayName: 'Ann Proxied', relayUrl: hostile.url, passphrase: TEST_PASSPHRASE, pwhash: TEST_PWHASH })).messenger };
    open.push(ann);
    await ann.messenger.waitOnline();
    await ann.messenger.contacts.add(ben.messenger.account.invite(), 'Ben');
    expect(ann.messenger.store.contacts.devices(keys.accountId)).toEqual([keys.deviceId]);
    await ann.messenger.close();

    // After the restart the relay serves the older list (with the revoked device) and claims Ben's device is unknown.
    let served = 0;
    let refusedSend = false;
    hostile.up = (f, conn) => {
      const m = JSON.parse(f) as { type?: string; id?: number };
      if (m.type === 'send' && !refusedSend) {
        refusedSend = true;
        conn.toClient(JSON.stringify({ v: 1, type: 'response', id: m.id, ok: false, code: 'UNKNOWN_DEVICE', message: 'unknown device' }));
        return null;
      }
      return f;
    };
    hostile.down = (f) => {
      const m = JSON.parse(f) as { type?: string; ok?: boolean; body?: SignedDeviceList };
      if (m.type === 'response' && m.ok === true && m.body?.accountId === keys.accountId) {
        served++;
        return JSON.stringify({ ...m, body: withRevoked });
      }
      return f;
    };
    await reopen(ann, hostile.url);
    await ann.messenger.waitOnline();
    await ann.messenger.conversations.sendText(keys.accountId, 'Still only to your listed device');
    await eventually(() => served > 0 && refusedSend);
    await eventually(() => ann.messenger.store.audit.list(50).some((e) => e.kind === 'devices.refresh_failed' || e.kind === 'delivery.failed'));
    expect(ann.messenger.store.contacts.devices(keys.accountId)).toEqual([keys.deviceId]);
    expect(ann.messenger.store.listHeads.get(keys.accountId)?.version).toBe(current.version + 2);
  });

  it('warns about a contact whose newer list the relay withholds from us while the contact has verified it', async () => {
    hostile.up = (f) => f;
    hostile.down = (f) => f;
    const cal = await createUser('Cal Split', relay.url);
    open.push(cal);
    const dir = profileDir();
    const dee: TestUser = { dir, inbox: [], phrase: '', messenger: (await Messenger.create({ dir, displayName: 'Dee Proxied', relayUrl: hostile.url, passphrase: TEST_PASSPHRASE, pwhash: TEST_PWHASH })).messenger };
    open.push(dee);
    await dee.messenger.waitOnline();
    const keys = cal.messenger.keys;
    await dee.messenger.contacts.add(cal.messenger.account.invite(), 'Cal');
    await cal.messenger.contacts.add(dee.messenger.account.invite(), 'Dee');
    const v1 = storedList(cal.messenger.store)!;
    // Cal's device publishes a successor (same device, new link time) and records it, as publishList does.
    const side = await RelayClient.connect(relay.url);
    await side.authenticate(keys.accountId, keys.deviceSigner);
    const v2 = signDeviceList(keys.accountSigner, v1.version + 1, v1.devices.map((d) => ({ ...d, addedAt: d.addedAt + 1 })), keys.deviceSigner);
    await side.putDeviceList(v2);
    await side.close();
    adoptList(cal.messenger.store, v2, keys.deviceId);
    // The relay keeps showing Dee the old list of Cal's account.
    hostile.down = (f) => {
      const m = JSON.parse(f) as { type?: string; ok?: boolean; body?: SignedDeviceList };
      return m.type === 'response' && m.ok === true && m.body?.accountId === keys.accountId ? JSON.stringify({ ...m, body: v1 }) : f;
    };
    expect(dee.messenger.store.listHeads.warning(keys.accountId)).toBeNull();
    await cal.messenger.conversations.sendText(dee.messenger.keys.accountId, 'Which list do you see?');
    await eventually(() => dee.messenger.store.listHeads.warning(keys.accountId) !== null, 20_000);
    expect(dee.messenger.store.listHeads.warning(keys.accountId)).toBe('list-withheld');
    expect(dee.messenger.store.audit.list(100).some((e) => e.kind === 'devices.split_view')).toBe(true);
  });
});
