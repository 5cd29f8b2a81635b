/**
 * "Remove and secure" end to end (issue 13 §1, docs/protocol.md §6.8),
 * through a real relay on loopback with real profiles: Ann's laptop is
 * stolen. She revokes it and secures the account: a new account key and
 * phrase, the old key retired on the relay, the old backup deleted. The
 * laptop's keys (kept by the thief before it wiped itself) open nothing:
 * no list under the old key, no backup. Ben moves to the new key once he
 * accepts it; Ann's attic desktop, offline meanwhile, catches up and keeps
 * working under the new key.
 */
import sodium from 'libsodium-wrappers-sumo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAccountRecord, type BackupKeyRecord } from '../../src/main/account/record';
import { backupKeysOf } from '../../src/main/backup/accountBackup';
import { fetchBlob } from '../../src/main/backup/transport';
import { Messenger } from '../../src/main/messenger/messenger';
import { RelayClient } from '../../src/main/relayClient/client';
import { relayHttpBase } from '../../src/main/relayClient/relayLink';
import { generateSigningKey, signDeviceList } from '../../src/main/relayClient/signing';
import { toBase64Url } from '../../src/shared/wire/encoding';
import { createUser, eventually, TEST_PASSPHRASE, type TestUser } from '../support/chatHarness';
import { linkDesktop } from '../support/linkCheck';
import { startTestRelay } from '../support/relayHarness';
import { codeOf } from '../support/revocation';

let relay: Awaited<ReturnType<typeof startTestRelay>>;
let ann: TestUser;
let ben: TestUser;
let laptop: Messenger;
let attic: Messenger;
let atticDir = '';
let oldAnnId = '';
let stolenAccountKey: Uint8Array;
let oldBackup: BackupKeyRecord;

const deviceCount = (m: Messenger, accountId: string): unknown => m.store.db.prepare('SELECT count(*) FROM contact_devices WHERE account_id = ?').pluck().get(accountId);

beforeAll(async () => {
  await sodium.ready;
  relay = await startTestRelay();
  ann = await createUser('Aurelia Fontaine', relay.url);
  ben = await createUser('Barnaby Okafor', relay.url);
  await ann.messenger.contacts.add(ben.messenger.account.invite(), 'Barnaby');
  await eventually(() => ben.messenger.contacts.list().find((c) => c.name === 'Aurelia Fontaine'));
  attic = await linkDesktop(ann.messenger, relay.url, 'Attic desktop');
  atticDir = attic.store.dir!;
  laptop = await linkDesktop(ann.messenger, relay.url, 'Laptop');
  oldAnnId = ann.messenger.keys.accountId;
  await eventually(() => deviceCount(ben.messenger, oldAnnId) === 3);
  await ann.messenger.backup.now();
  const record = decodeAccountRecord(ann.messenger.store.directory.account()!.keyMaterial);
  record.accountSecretKey.fill(0);
  oldBackup = record.backup!;
  // What the thief keeps: the account key every linked device holds.
  stolenAccountKey = laptop.keys.accountSigner.secretKey.slice();
});

afterAll(async () => {
  await ann?.messenger.close();
  await attic?.close();
  await ben?.messenger.close();
  await relay?.close();
});

const oldBackupManifest = async (): Promise<Uint8Array | null> => {
  const keys = backupKeysOf(oldBackup);
  try {
    return await fetchBlob(relayHttpBase(relay.url), oldBackup.id, keys.backupAuthKey.bytes, 'manifest');
  } finally {
    keys.dispose();
  }
};

describe('Remove and secure', () => {
  it('revokes the stolen laptop, then rotates the account key and retires the old one on the relay', async () => {
    expect(await oldBackupManifest()).not.toBeNull();
    await attic.close(); // offline while Ann secures the account
    await ann.messenger.devices.revokeDevice(laptop.keys.deviceId);
    await laptop.revoked;
    const { phrase, secured } = await ann.messenger.devices.secureAccount();
    expect(secured).toBe(true);
    expect(phrase.split(' ')).toHaveLength(24);
    const newAnnId = ann.messenger.keys.accountId;
    expect(newAnnId).not.toBe(oldAnnId);
    expect(await relay.context.store.supersededBy(oldAnnId)).toBe(newAnnId);
    expect(ann.messenger.store.audit.list(20).find((e) => e.kind === 'account.secured')?.detail).toMatchObject({ previousAccountId: oldAnnId, newAccountId: newAnnId });
  });

  it('leaves the thief, holding the old account key, no way back in and no backup to read', async () => {
    expect(await oldBackupManifest()).toBeNull();
    const fresh = await generateSigningKey();
    const c = await RelayClient.connect(relay.url);
    const takeover = signDeviceList({ id: oldAnnId, secretKey: stolenAccountKey }, 0xffffffff, [{ deviceId: fresh.id, addedAt: 1 }]);
    expect(await codeOf(c.authenticate(oldAnnId, fresh, takeover))).toBe('ACCOUNT_SUPERSEDED');
    await c.close();
    expect(toBase64Url(stolenAccountKey.subarray(32))).toBe(oldAnnId);
  });

  it('moves Ben to the new key once he accepts it, and the conversation carries on', async () => {
    const newAnnId = ann.messenger.keys.accountId;
    await eventually(() => ben.messenger.contacts.get(oldAnnId).pendingAccountId === newAnnId);
    ben.messenger.contacts.acceptIdentityChange(oldAnnId);
    await eventually(() => deviceCount(ben.messenger, newAnnId) !== 0);
    const m = await ben.messenger.conversations.sendText(newAnnId, 'Sorry about the laptop');
    await eventually(() => ann.inbox.find((x) => x.id === m.id));
  });

  it('lets the attic desktop, offline meanwhile, catch up to the new key and keep working', async () => {
    const newAnnId = ann.messenger.keys.accountId;
    attic = await Messenger.open({ dir: atticDir, passphrase: TEST_PASSPHRASE });
    await eventually(() => attic.keys.accountId === newAnnId, 20_000);
    await eventually(() => attic.waitOnline(1_000));
    await eventually(() => deviceCount(ben.messenger, newAnnId) === 2, 20_000);
    const m = await attic.conversations.sendText(ben.messenger.keys.accountId, 'Attic here, still fine');
    await eventually(() => ben.inbox.find((x) => x.id === m.id), 20_000);
  });
});
