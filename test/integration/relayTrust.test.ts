/**
 * Relay pins in a real profile (docs/protocol.md §3.3): the first connection
 * pins the relay's key in the encrypted store, the invite carries it, an
 * invite pins it for an address this profile has not used, and a relay that
 * comes back with another key is refused — offline with reason
 * relayKeyChanged, audited — until the user accepts that key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Messenger } from '../../src/main/messenger/messenger';
import { relayPinId } from '../../src/main/relayClient/pins';
import type { ConnectionState } from '../../src/shared/contract';
import { decodeInvite } from '../../src/shared/wire/invite';
import { toBase64Url } from '../../src/shared/wire/encoding';
import { createUser, eventually, TEST_PASSPHRASE, type TestUser } from '../support/chatHarness';
import { startTestRelay, tempDir } from '../support/relayHarness';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

let relay: Awaited<ReturnType<typeof startTestRelay>>;
const users: TestUser[] = [];

beforeAll(async () => {
  relay = await startTestRelay();
});

afterAll(async () => {
  for (const u of users) await u.messenger.close().catch(() => undefined);
  await relay?.close();
});

describe('relay pins in a profile', () => {
  it('pins the relay key on first use and puts it in the invite', async () => {
    const ann = await createUser('Ann Pin', relay.url);
    users.push(ann);
    expect(ann.messenger.relayKeyPin()).toBe(relay.relayKey);
    expect(toBase64Url(decodeInvite(ann.messenger.account.invite()).relayKey!)).toBe(relay.relayKey);
    expect(ann.messenger.store.audit.list(50).some((e) => e.kind === 'relay.key_pinned' && e.detail.origin === 'first-use')).toBe(true);
  });

  it('pins the key an invite carries for a relay address this profile has not used', async () => {
    const viaName = relay.url.replace('127.0.0.1', 'localhost');
    const ann = await createUser('Ann Named', viaName);
    const ben = await createUser('Ben Numeric', relay.url);
    users.push(ann, ben);
    expect(ben.messenger.store.directory.relayKeyPin(relayPinId(viaName))).toBeNull();
    await ben.messenger.contacts.add(ann.messenger.account.invite(), 'Ann');
    expect(toBase64Url(ben.messenger.store.directory.relayKeyPin(relayPinId(viaName))!)).toBe(relay.relayKey);
  });

  it('refuses a relay that comes back with another key until the user accepts it', async () => {
    const first = await startTestRelay();
    const cat = await createUser('Cat Moved', first.url);
    const pinned = cat.messenger.relayKeyPin();
    await cat.messenger.close();
    await first.close();
    // The same relay data (so the account is known) under another identity key: a key rotation or an impostor, the client cannot tell.
    const keyFile = path.join(tempDir(), 'other.key');
    writeFileSync(keyFile, randomBytes(32), { mode: 0o600 });
    const impostor = await startTestRelay({ port: first.port, dataDir: first.dataDir, keyFile });
    try {
      const states: ConnectionState[] = [];
      cat.messenger = await Messenger.open({ dir: cat.dir, passphrase: TEST_PASSPHRASE, onConnection: (s) => states.push(s) });
      users.push(cat);
      const refused = (await eventually(() => states.find((s) => s.reason === 'relayKeyChanged')))!;
      expect(refused).toMatchObject({ state: 'offline', retryInMs: null, relayKey: impostor.relayKey });
      expect(await cat.messenger.waitOnline(300)).toBe(false);
      expect(cat.messenger.relayKeyPin()).toBe(pinned);
      expect(cat.messenger.store.audit.list(1)[0]).toMatchObject({ kind: 'relay.key_refused', detail: { relayKey: impostor.relayKey } });
      cat.messenger.acceptRelayKey(refused.relayKey!);
      expect(await cat.messenger.waitOnline(5_000)).toBe(true);
      expect(cat.messenger.relayKeyPin()).toBe(impostor.relayKey);
      expect(states.at(-1)).toMatchObject({ state: 'online' });
    } finally {
      await cat.messenger.close();
      await impostor.close();
    }
  });
});
