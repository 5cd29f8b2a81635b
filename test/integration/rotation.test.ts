/**
 * Rotating the recovery phrase through a real relay on loopback: a new
 * account key, our other desktop switches with us, a contact is told by a
 * message signed with the old key and sees a warning that blocks sending
 * until accepted, and after that the conversation carries on under the new
 * key. A change signed by anyone else is ignored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sodium from 'libsodium-wrappers-sumo';
import { Messenger } from '../../src/main/messenger/messenger';
import type { IncomingText } from '../../src/main/conversations/context';
import { signKeyChange, verifyKeyChange } from '../../src/main/account/rotation';
import { toBase64Url } from '../../src/shared/wire/encoding';
import { startTestRelay } from '../support/relayHarness';
import { createUser, eventually, profileDir, TEST_PASSPHRASE, TEST_PWHASH, type TestUser } from '../support/chatHarness';
import { CodeComparer } from '../support/linkCheck';

let relay: Awaited<ReturnType<typeof startTestRelay>>;
let ann: TestUser;
let ben: TestUser;
let ann2: Messenger;
const ann2Inbox: IncomingText[] = [];
let oldAnnId = '';
let newPhrase = '';

beforeAll(async () => {
  relay = await startTestRelay();
  ann = await createUser('Aurelia Fontaine', relay.url);
  ben = await createUser('Barnaby Okafor', relay.url);
  await ann.messenger.contacts.add(ben.messenger.account.invite(), 'Barnaby');
  await eventually(() => ben.messenger.contacts.list().find((c) => c.name === 'Aurelia Fontaine'));
  let code = '';
  const user = new CodeComparer();
  const linking = Messenger.link({ dir: profileDir(), relayUrl: relay.url, deviceName: 'Attic desktop', passphrase: TEST_PASSPHRASE, pwhash: TEST_PWHASH, events: { incomingText: (m) => ann2Inbox.push(m) }, onCode: (c) => (code = c), confirm: user.confirm });
  await eventually(() => code);
  user.saw(ann.messenger.devices.inspectLink(code));
  await ann.messenger.devices.acceptLink(code, null);
  ann2 = await linking;
  await ann2.waitOnline();
  await eventually(() => ben.messenger.store.db.prepare('SELECT count(*) FROM contact_devices WHERE account_id = ?').pluck().get(ann.messenger.keys.accountId) === 2);
  oldAnnId = ann.messenger.keys.accountId;
});

afterAll(async () => {
  await ann?.messenger.close();
  await ann2?.close();
  await ben?.messenger.close();
  await relay?.close();
});

describe('rotating the recovery phrase', () => {
  it('accepts a key change only when the old account key signed it', async () => {
    await sodium.ready;
    const oldKp = sodium.crypto_sign_keypair();
    const newKp = sodium.crypto_sign_keypair();
    const other = sodium.crypto_sign_keypair();
    const sig = signKeyChange(oldKp.privateKey, newKp.publicKey);
    expect(verifyKeyChange(toBase64Url(oldKp.publicKey), toBase64Url(newKp.publicKey), sig)).toBe(true);
    expect(verifyKeyChange(toBase64Url(oldKp.publicKey), toBase64Url(other.publicKey), sig)).toBe(false);
    // Its first character changed (to another one: a signature that already began with 'A' made this pass 1 time in 64).
    const good = signKeyChange(other.privateKey, newKp.publicKey);
    expect(verifyKeyChange(toBase64Url(other.publicKey), toBase64Url(newKp.publicKey), good)).toBe(true);
    expect(verifyKeyChange(toBase64Url(other.publicKey), toBase64Url(newKp.publicKey), `${good.startsWith('A') ? 'B' : 'A'}${good.slice(1)}`)).toBe(false);
    expect(verifyKeyChange(toBase64Url(oldKp.publicKey), toBase64Url(newKp.publicKey), 'garbage')).toBe(false);
  });

  it('gives a new phrase and account key, and the other desktop switches too', async () => {
    newPhrase = await ann.messenger.devices.rotatePhrase();
    expect(newPhrase.split(' ')).toHaveLength(24);
    expect(newPhrase).not.toBe(ann.phrase);
    expect(ann.messenger.keys.accountId).not.toBe(oldAnnId);
    expect(ann.messenger.account.pendingPhrase()).toBe(newPhrase);
    await eventually(() => ann2.keys.accountId === ann.messenger.keys.accountId);
    expect(await ann.messenger.waitOnline()).toBe(true);
    await eventually(async () => ann2.waitOnline(1_000));
    expect(ann2.account.pendingPhrase()).toBeNull();
  });

  it('warns the contact, signed by the old key, and blocks sending until accepted', async () => {
    const newId = ann.messenger.keys.accountId;
    const c = await eventually(() => (ben.messenger.contacts.get(oldAnnId).pendingAccountId === newId ? ben.messenger.contacts.get(oldAnnId) : null));
    expect(c!.trust).toBe('changed');
    await expect(ben.messenger.conversations.sendText(oldAnnId, 'still there?')).rejects.toMatchObject({ code: 'CHAT_IDENTITY_CHANGED' });
    expect(ben.messenger.contacts.safetyNumber(oldAnnId).groups).toEqual(ann.messenger.contacts.safetyNumber(ben.messenger.keys.accountId).groups);
  });

  it('carries on under the new key once accepted: both desktops get the next message, and replies flow back', async () => {
    const newId = ann.messenger.keys.accountId;
    const accepted = ben.messenger.contacts.acceptIdentityChange(oldAnnId);
    expect(accepted).toMatchObject({ accountId: newId, trust: 'unverified', pendingAccountId: null });
    await eventually(() => ben.messenger.store.db.prepare('SELECT count(*) FROM contact_devices WHERE account_id = ?').pluck().get(newId) === 2);
    const m = await ben.messenger.conversations.sendText(newId, 'Got your new key');
    await eventually(() => ann.inbox.find((x) => x.id === m.id));
    await eventually(() => ann2Inbox.find((x) => x.id === m.id));
    const reply = await ann2.conversations.sendText(ben.messenger.keys.accountId, 'Thanks for accepting');
    await eventually(() => ben.inbox.find((x) => x.id === reply.id));
    expect(ben.messenger.conversations.history(newId, 10).map((x) => x.body)).toContain('Got your new key');
  });

  it('restores the new account from the new phrase', async () => {
    await ann.messenger.backup.now();
    const r = await Messenger.restore({ dir: profileDir(), phrase: newPhrase, relayUrl: relay.url, passphrase: TEST_PASSPHRASE, pwhash: TEST_PWHASH });
    try {
      expect(r.messenger.keys.accountId).toBe(ann.messenger.keys.accountId);
      expect(r.backupFound).toBe(true);
      expect(r.messenger.contacts.list().map((c) => c.name)).toEqual(['Barnaby']);
    } finally {
      await r.messenger.close();
    }
  });
});
