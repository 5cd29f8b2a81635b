/**
 * The audit log and session health on real profiles through a real relay on
 * loopback: creating, linking, revoking, backing up, restoring, rotating the
 * phrase and re-keying the store each leave their row; a contact's key
 * change leaves one on the contact's side; no row carries text or names.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Messenger } from '../../src/main/messenger/messenger';
import { sessionHealth } from '../../src/main/contacts/health';
import type { AuditKind } from '../../src/shared/audit';
import { startTestRelay } from '../support/relayHarness';
import { createUser, eventually, profileDir, TEST_PASSPHRASE, TEST_PWHASH, type TestUser } from '../support/chatHarness';
import { CodeComparer } from '../support/linkCheck';

let relay: Awaited<ReturnType<typeof startTestRelay>>;
let ann: TestUser;
let ben: TestUser;
const TEXTS = ['A first hello from Ann', 'And an answer from Ben'];

const rows = (m: Messenger, kind: AuditKind) => m.store.audit.list(500).filter((e) => e.kind === kind);

beforeAll(async () => {
  relay = await startTestRelay();
  ann = await createUser('Annika Lindqvist', relay.url);
  ben = await createUser('Benedikt Arroyo', relay.url);
  await ann.messenger.contacts.add(ben.messenger.account.invite(), 'Benedikt');
  await eventually(() => ben.messenger.contacts.list().find((c) => c.name === 'Annika Lindqvist'));
  await ann.messenger.conversations.sendText(ben.messenger.keys.accountId, TEXTS[0]!);
  await eventually(() => ben.inbox.find((m) => m.text === TEXTS[0]));
  await ben.messenger.conversations.sendText(ann.messenger.keys.accountId, TEXTS[1]!);
  await eventually(() => ann.inbox.find((m) => m.text === TEXTS[1]));
});

afterAll(async () => {
  await ann?.messenger.close();
  await ben?.messenger.close();
  await relay?.close();
});

describe('the audit log of real operations', () => {
  it('records the identity a new profile creates', () => {
    expect(rows(ann.messenger, 'identity.created').map((e) => e.detail)).toEqual([{ deviceId: ann.messenger.keys.deviceId, origin: 'create' }]);
  });

  it('shows session health for each of a contact’s devices, with failures counted from the log', () => {
    const benId = ben.messenger.keys.accountId;
    const [h, ...more] = sessionHealth(ann.messenger.store, benId);
    expect(more).toEqual([]);
    expect(h).toMatchObject({ deviceId: ben.messenger.keys.deviceId, hasSession: true, skippedKeysHeld: 0, decryptFailures: 0, repairs: 0, awaitingReply: false });
    expect(h!.sessionAgeMs).toBeGreaterThanOrEqual(0);
    expect(h!.sessionAgeMs).toBeLessThan(120_000);
    expect(h!.messagesSent).toBeGreaterThanOrEqual(1);
    expect(h!.messagesReceived).toBeGreaterThanOrEqual(1);
    expect(h!.messagesSinceDhStep).toBeGreaterThanOrEqual(1);
    expect(h!.messagesSinceDhStep).toBeLessThanOrEqual(h!.messagesSent + h!.messagesReceived);
    const address = `${benId}.${ben.messenger.keys.deviceId}`;
    ann.messenger.store.audit.record('decrypt.failed', { address, reason: 'PROTOCOL_BAD_MAC' });
    ann.messenger.store.audit.record('session.repaired', { address });
    expect(sessionHealth(ann.messenger.store, benId)[0]).toMatchObject({ decryptFailures: 1, repairs: 1 });
    expect(() => sessionHealth(ann.messenger.store, 'nobody')).toThrow(expect.objectContaining({ code: 'CHAT_UNKNOWN_CONTACT' }) as Error);
  });

  it('records a linked desktop on the existing device and its identity on the new one, then its revocation', async () => {
    let code = '';
    let revoked = 0;
    const user = new CodeComparer();
    const linking = Messenger.link({
      dir: profileDir(), relayUrl: relay.url, deviceName: 'Loft desktop', passphrase: TEST_PASSPHRASE, pwhash: TEST_PWHASH,
      events: { revoked: () => revoked++ }, onCode: (c) => (code = c), confirm: user.confirm,
    });
    await eventually(() => code);
    user.saw(ann.messenger.devices.inspectLink(code));
    const { deviceId } = await ann.messenger.devices.acceptLink(code, null);
    const ann2 = await linking;
    expect(rows(ann.messenger, 'device.linked').map((e) => e.detail)).toEqual([{ deviceId }]);
    expect(rows(ann2, 'identity.created').map((e) => e.detail)).toEqual([{ deviceId, origin: 'link' }]);
    await ann2.waitOnline();
    await ann.messenger.devices.revokeDevice(deviceId);
    expect(rows(ann.messenger, 'device.revoked').map((e) => e.detail)).toEqual([{ deviceId }]);
    await eventually(() => revoked === 1);
    await ann2.revoked;
  });

  it('records a backup written, and the restore and new identity on a fresh install', async () => {
    const cleo = await createUser('Cleo Marchetti', relay.url);
    await cleo.messenger.backup.now();
    expect(rows(cleo.messenger, 'backup.written').map((e) => e.detail)).toEqual([expect.objectContaining({ mode: 'full', reason: 'first', segments: expect.any(Number) as number, messages: 0 })]);
    await cleo.messenger.close();
    const { messenger } = await Messenger.restore({ dir: profileDir(), phrase: cleo.phrase, relayUrl: relay.url, passphrase: TEST_PASSPHRASE, pwhash: TEST_PWHASH });
    try {
      expect(rows(messenger, 'backup.restored').map((e) => e.detail)).toEqual([expect.objectContaining({ messages: 0, segments: expect.any(Number) as number })]);
      expect(rows(messenger, 'identity.created').map((e) => e.detail)).toEqual([{ deviceId: messenger.keys.deviceId, origin: 'restore' }]);
    } finally {
      await messenger.close();
    }
  });

  it('records a phrase rotation, and the contact records the safety-number change', async () => {
    const oldId = ann.messenger.keys.accountId;
    await ann.messenger.devices.rotatePhrase();
    const newId = ann.messenger.keys.accountId;
    expect(rows(ann.messenger, 'phrase.rotated').map((e) => e.detail)).toEqual([{ previousAccountId: oldId, newAccountId: newId, origin: 'this-device' }]);
    await eventually(() => ben.messenger.contacts.get(oldId).pendingAccountId === newId);
    expect(rows(ben.messenger, 'safety_number.changed').map((e) => e.detail)).toEqual([{ accountId: oldId, newAccountId: newId }]);
    expect(ben.messenger.store.audit.countsFor(oldId)['safety_number.changed']).toBe(1);
  });

  it('records a re-key of the store', () => {
    ann.messenger.store.rekey(TEST_PASSPHRASE);
    expect(ann.messenger.store.audit.list(1)[0]).toMatchObject({ kind: 'store.rekeyed', detail: {} });
  });

  it('keeps no message text and no name in any row', () => {
    for (const m of [ann.messenger, ben.messenger]) {
      const dump = JSON.stringify(m.store.audit.list(500));
      for (const secret of [...TEXTS, 'Annika', 'Benedikt', 'Cleo', 'Loft desktop']) expect(dump).not.toContain(secret);
    }
  });
});
