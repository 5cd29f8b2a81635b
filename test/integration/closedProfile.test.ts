/**
 * A profile that closed while its relay connection was still being made:
 * nothing that connection brings may reach the closed store. Real relay on
 * loopback, real profiles, a TCP proxy that holds the sign-in until the
 * profile is closed. The relay then answers the sign-in of a revoked device
 * with DEVICE_REVOKED and its proof; before the relay link stopped
 * delivering to a closed messenger, that proof was checked against the
 * closed store and "database connection is not open" escaped as an
 * unhandled rejection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Messenger } from '../../src/main/messenger/messenger';
import { startTestRelay } from '../support/relayHarness';
import { createUser, eventually, profileDir, TEST_PASSPHRASE, TEST_PWHASH, type TestUser } from '../support/chatHarness';
import { RelayProxy } from '../support/relayProxy';
import { CodeComparer } from '../support/linkCheck';

let relay: Awaited<ReturnType<typeof startTestRelay>>;
let ann: TestUser;
let proxy: RelayProxy;

beforeAll(async () => {
  relay = await startTestRelay();
  ann = await createUser('Ann', relay.url);
  proxy = await RelayProxy.start(relay.port);
});

afterAll(async () => {
  await ann?.messenger.close();
  await proxy?.close();
  await relay?.close();
});

/** Links a second desktop of Ann's (link codes name the relay itself) and returns its profile directory, closed. */
async function linkedAndClosed(): Promise<{ dir: string; deviceId: string }> {
  let code = '';
  const user = new CodeComparer();
  const dir = profileDir();
  const linking = Messenger.link({ dir, relayUrl: relay.url, deviceName: 'Ann two', passphrase: TEST_PASSPHRASE, pwhash: TEST_PWHASH, onCode: (c) => (code = c), confirm: user.confirm });
  await eventually(() => code);
  user.saw(ann.messenger.devices.inspectLink(code));
  await ann.messenger.devices.acceptLink(code, null);
  const two = await linking;
  const deviceId = two.keys.deviceId;
  await two.waitOnline();
  await two.close();
  return { dir, deviceId };
}

describe('a profile closed while its relay connection was being made', () => {
  it('does not deliver the relay’s revocation answer to the closed store, and wipes on the next open instead', async () => {
    const { dir, deviceId } = await linkedAndClosed();
    await ann.messenger.devices.revokeDevice(deviceId);
    const escaped: unknown[] = [];
    const onRejection = (e: unknown): void => void escaped.push(e);
    process.on('unhandledRejection', onRejection);
    try {
      proxy.holdRequests(true);
      const two = await Messenger.open({ dir, passphrase: TEST_PASSPHRASE, relayUrl: proxy.url });
      await eventually(() => proxy.heldRequests > 0); // its sign-in is on the way, the answer not yet back
      await two.close();
      proxy.holdRequests(false);
      // The sign-in reaches the relay (which refuses the revoked device), or the attempt was dropped; either way it ends.
      await eventually(() => proxy.connections === 0);
      await new Promise((r) => setTimeout(r, 100));
      expect(escaped.map(String)).toEqual([]);
      expect(existsSync(path.join(dir, 'parley.keys'))).toBe(true);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
    // Nothing was lost by not acting then: the next open hears the revocation again and wipes.
    const again = await Messenger.open({ dir, passphrase: TEST_PASSPHRASE, relayUrl: proxy.url });
    await eventually(() => again.revoked !== null);
    await again.revoked;
    expect(existsSync(path.join(dir, 'parley.keys'))).toBe(false);
  }, 60_000);
});
