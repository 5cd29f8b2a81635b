/**
 * "Remove and secure" through a hostile relay (issue 13 §1, docs/protocol.md
 * §6.8): a relay that answers the supersession with an error instead of
 * recording it cannot make the app believe the account is secured. The app
 * says it is not (`secured: false`, `account.secure_failed` in the audit
 * log), keeps what is left to do, and finishes it on a later connection,
 * after which the old key is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Messenger } from '../../src/main/messenger/messenger';
import { SETTING } from '../../src/main/account/settingKeys';
import { createUser, eventually, type TestUser } from '../support/chatHarness';
import { startHostileRelay, type HostileRelay } from '../support/hostileRelay';
import { linkDesktop } from '../support/linkCheck';
import { startTestRelay } from '../support/relayHarness';

let relay: Awaited<ReturnType<typeof startTestRelay>>;
let hostile: HostileRelay;
let ann: TestUser;
let laptop: Messenger;
let withhold = true;

beforeAll(async () => {
  relay = await startTestRelay();
  hostile = await startHostileRelay(relay.url);
  // The relay lies about one request: it answers supersedeAccount itself and never forwards it.
  hostile.up = (frame, conn) => {
    const f = JSON.parse(frame) as { type?: string; id?: number };
    if (!withhold || f.type !== 'supersedeAccount') return frame;
    conn.toClient(JSON.stringify({ v: 1, type: 'response', id: f.id, ok: false, code: 'INTERNAL', message: 'internal error' }));
    return null;
  };
  ann = await createUser('Aurelia Fontaine', hostile.url);
  laptop = await linkDesktop(ann.messenger, hostile.url, 'Laptop');
});

afterAll(async () => {
  await ann?.messenger.close();
  await hostile?.close();
  await relay?.close();
});

describe('Remove and secure through a relay that withholds it', () => {
  it('does not claim the account is secured when the relay did not record it, and keeps the step for later', async () => {
    const oldId = ann.messenger.keys.accountId;
    await ann.messenger.devices.revokeDevice(laptop.keys.deviceId);
    await laptop.revoked;
    const { secured } = await ann.messenger.devices.secureAccount();
    expect(secured).toBe(false);
    expect(ann.messenger.keys.accountId).not.toBe(oldId);
    expect(await relay.context.store.supersededBy(oldId)).toBeNull();
    expect(ann.messenger.store.audit.list(20).some((e) => e.kind === 'account.secure_failed' && e.detail.reason === 'INTERNAL')).toBe(true);
    expect(JSON.parse(ann.messenger.store.directory.setting(SETTING.securePending)!)).toMatchObject({ oldAccountId: oldId });
  });

  it('finishes on the next connection once the relay passes it on: the relay then records the old key as superseded', async () => {
    const newId = ann.messenger.keys.accountId;
    withhold = false;
    for (const c of hostile.connections) c.close();
    await eventually(() => ann.messenger.store.audit.list(20).some((e) => e.kind === 'account.secured'), 20_000);
    const oldId = ann.messenger.store.audit.list(20).find((e) => e.kind === 'account.secured')!.detail.previousAccountId as string;
    expect(await relay.context.store.supersededBy(oldId)).toBe(newId);
    expect(ann.messenger.store.directory.setting(SETTING.securePending)).toBe('');
  });
});
