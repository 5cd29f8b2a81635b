/**
 * Two conflicting key changes (issue 13 §1, docs/protocol.md §6.8): whoever
 * else holds a contact's old account key (a stolen desktop, a revoked one)
 * can sign a change to a key it chose. A contact that then sees a second,
 * different change signed by the same old key accepts neither: it shows the
 * conflict, blocks sending, and moves on only to the key the user verified.
 * Real relay on loopback, real profiles; the second change comes from a
 * linked desktop that holds the old key, as the attacker's would.
 */
import sodium from 'libsodium-wrappers-sumo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Messenger } from '../../src/main/messenger/messenger';
import { signKeyChange } from '../../src/main/account/rotation';
import { toBase64Url } from '../../src/shared/wire/encoding';
import { startTestRelay } from '../support/relayHarness';
import { createUser, eventually, type TestUser } from '../support/chatHarness';
import { linkDesktop } from '../support/linkCheck';

let relay: Awaited<ReturnType<typeof startTestRelay>>;
let ann: TestUser;
let ben: TestUser;
let thief: Messenger;
let oldAnnId = '';
let chosenId = '';

beforeAll(async () => {
  await sodium.ready;
  relay = await startTestRelay();
  ann = await createUser('Aurelia Fontaine', relay.url);
  ben = await createUser('Barnaby Okafor', relay.url);
  await ann.messenger.contacts.add(ben.messenger.account.invite(), 'Barnaby');
  await eventually(() => ben.messenger.contacts.list().find((c) => c.name === 'Aurelia Fontaine'));
  thief = await linkDesktop(ann.messenger, relay.url, 'Stolen laptop');
  await eventually(() => ben.messenger.store.db.prepare('SELECT count(*) FROM contact_devices WHERE account_id = ?').pluck().get(ann.messenger.keys.accountId) === 2);
  oldAnnId = ann.messenger.keys.accountId;
});

afterAll(async () => {
  await ann?.messenger.close();
  await thief?.close();
  await ben?.messenger.close();
  await relay?.close();
});

describe('two conflicting key changes', () => {
  it('does not accept the first change: the second, different one shows a conflict that blocks sending', async () => {
    // The holder of the old key signs a change to a key of its own and gets it to Ben first.
    const chosen = sodium.crypto_sign_keypair();
    chosenId = toBase64Url(chosen.publicKey);
    const signature = signKeyChange(thief.keys.accountSigner.secretKey, chosen.publicKey);
    await thief.conversations.send(ben.messenger.keys.accountId, { v: 1, type: 'accountKeyChange', sentAt: Date.now(), newAccountId: chosenId, signature });
    await eventually(() => ben.messenger.contacts.get(oldAnnId).pendingAccountId === chosenId);
    // Ann rotates for real; her change arrives second.
    await ann.messenger.devices.rotatePhrase();
    const newAnnId = ann.messenger.keys.accountId;
    expect(await ann.messenger.waitOnline()).toBe(true);
    const c = await eventually(() => (ben.messenger.contacts.get(oldAnnId).conflictAccountId === newAnnId ? ben.messenger.contacts.get(oldAnnId) : null));
    expect(c).toMatchObject({ accountId: oldAnnId, pendingAccountId: chosenId, conflictAccountId: newAnnId, trust: 'changed' });
    await expect(ben.messenger.conversations.sendText(oldAnnId, 'which one is you?')).rejects.toMatchObject({ code: 'CHAT_IDENTITY_CHANGED' });
    expect(() => ben.messenger.contacts.acceptIdentityChange(oldAnnId)).toThrow(expect.objectContaining({ code: 'CHAT_IDENTITY_CONFLICT' }) as Error);
    expect(ben.messenger.contacts.get(oldAnnId).pendingAccountId).toBe(chosenId);
    expect(ben.messenger.store.audit.list(50).some((e) => e.kind === 'safety_number.conflict' && e.detail.newAccountId === newAnnId)).toBe(true);
  });

  it('shows the safety number of each change, so the user can compare both with the contact; looking changes nothing', async () => {
    const newAnnId = ann.messenger.keys.accountId;
    const real = ann.messenger.contacts.safetyNumber(ben.messenger.keys.accountId).groups;
    expect(ben.messenger.contacts.safetyNumber(oldAnnId, 'second').groups).toEqual(real);
    expect(ben.messenger.contacts.safetyNumber(oldAnnId, 'first').groups).not.toEqual(real);
    expect(ben.messenger.contacts.get(oldAnnId)).toMatchObject({ pendingAccountId: chosenId, conflictAccountId: newAnnId });
  });

  it('moves to the key the user verified and picked, and the conversation carries on under it', async () => {
    const newAnnId = ann.messenger.keys.accountId;
    const moved = ben.messenger.contacts.acceptIdentityChange(oldAnnId, 'second');
    expect(moved).toMatchObject({ accountId: newAnnId, pendingAccountId: null, conflictAccountId: null, trust: 'unverified' });
    await eventually(() => ben.messenger.store.db.prepare('SELECT count(*) FROM contact_devices WHERE account_id = ?').pluck().get(newAnnId) === 2);
    const m = await ben.messenger.conversations.sendText(newAnnId, 'now I know it is you');
    await eventually(() => ann.inbox.find((x) => x.id === m.id));
  });
});
