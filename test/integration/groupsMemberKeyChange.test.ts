/**
 * A group member who is not our contact rotates their recovery phrase (a
 * new account key, protocol §6.6, §8.7), through a real relay on loopback
 * with three real profiles: Ann (admin) has Ben and Cat as contacts; Ben
 * and Cat are not contacts of each other. Cat's signed change reaches Ben
 * because he is in her group, and Ben shows it in the group (a timeline
 * line at the time it arrived, a mark on Cat, the audit row); a change not
 * signed by Cat's key, or from someone in none of Ben's groups, changes
 * nothing and leaves an audit entry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sodium from 'libsodium-wrappers-sumo';
import type { ChatContext } from '../../src/main/conversations/context';
import { flushOutbox, sendContent } from '../../src/main/conversations/outgoing';
import { signKeyChange } from '../../src/main/account/rotation';
import { groupView } from '../../src/main/app/groupViews';
import { runGroupCommand } from '../../src/cli/groupCommands';
import type { Messenger } from '../../src/main/messenger/messenger';
import { toBase64Url } from '../../src/shared/wire/encoding';
import { startTestRelay } from '../support/relayHarness';
import { createUser, eventually, type TestUser } from '../support/chatHarness';
import { groupTrio } from '../support/groupTrio';

let relay: Awaited<ReturnType<typeof startTestRelay>>;
let ann: TestUser;
let ben: TestUser;
let cat: TestUser;
let dee: TestUser | undefined;
let groupId = '';
let oldCat = '';

const has = (m: Messenger, text: string) => m.groups.history(groupId, 50).some((x) => x.body === text);
const audits = (m: Messenger, kind: string) => m.store.audit.list(500).filter((r) => r.kind === kind);
/** The device's own chat context: the test plays a member who sends content the app never would. */
const contextOf = (m: Messenger) => (m.groups as unknown as { ctx: ChatContext }).ctx;
/** Sends an account key change from `from` straight to `to`'s devices, as a hostile or confused peer could. */
async function sendKeyChange(from: Messenger, to: Messenger, newAccountId: string, signature: string): Promise<void> {
  const ctx = contextOf(from);
  const devices = to.store.ownDevices.all().map((d) => ({ accountId: to.keys.accountId, deviceId: d.deviceId }));
  await sendContent(ctx, devices, { v: 1, type: 'accountKeyChange', sentAt: Date.now(), newAccountId, signature });
  await flushOutbox(ctx);
}
const newKey = async () => {
  await sodium.ready;
  return sodium.crypto_sign_keypair();
};

beforeAll(async () => {
  relay = await startTestRelay();
  ({ ann, ben, cat, groupId } = await groupTrio(relay.url, 'Keys', 'Key Club'));
  oldCat = cat.messenger.keys.accountId;
  // Ben and Cat write once each, so each holds the other's verified devices and a session.
  await ben.messenger.groups.sendText(groupId, 'Ben says hello');
  await cat.messenger.groups.sendText(groupId, 'Cat says hello');
  await eventually(() => has(cat.messenger, 'Ben says hello') && has(ben.messenger, 'Cat says hello'), 20_000);
  await eventually(() => ben.messenger.store.groups.devicesOf(oldCat).length === 1 && cat.messenger.store.groups.devicesOf(ben.messenger.keys.accountId).length === 1);
  expect(ben.messenger.contacts.list().map((c) => c.accountId)).not.toContain(oldCat);
}, 90_000);

afterAll(async () => {
  for (const m of [ann?.messenger, ben?.messenger, cat?.messenger, dee?.messenger]) await m?.close().catch(() => undefined);
  await relay?.close();
});

describe('a non-contact member’s safety number change', () => {
  it('ignores a change the member’s old key did not sign, and records why', async () => {
    const forger = await newKey();
    const target = await newKey();
    await sendKeyChange(cat.messenger, ben.messenger, toBase64Url(target.publicKey), signKeyChange(forger.privateKey, target.publicKey));
    await eventually(() => audits(ben.messenger, 'group.rejected').some((r) => r.detail['reason'] === 'GROUP_BAD_KEY_CHANGE' && r.detail['accountId'] === oldCat), 20_000);
    expect(ben.messenger.groups.keyChanges(groupId)).toEqual([]);
    expect(ben.messenger.groups.get(groupId).members.every((m) => !m.keyChanged)).toBe(true);
    expect(audits(ben.messenger, 'safety_number.changed')).toEqual([]);
  }, 60_000);

  it('shows the member’s signed change in the group, at the time it arrived, with a mark on the member and an audit row', async () => {
    const before = Date.now();
    await cat.messenger.devices.rotatePhrase();
    const newCat = cat.messenger.keys.accountId;
    expect(newCat).not.toBe(oldCat);
    const change = await eventually(() => ben.messenger.groups.keyChanges(groupId)[0], 30_000);
    expect(change).toMatchObject({ accountId: oldCat, newAccountId: newCat, text: 'Cat Keys’s safety number changed' });
    expect(change!.at).toBeGreaterThanOrEqual(before);
    expect(ben.messenger.groups.get(groupId).members.find((m) => m.accountId === oldCat)).toMatchObject({ contact: false, keyChanged: true });
    expect(audits(ben.messenger, 'safety_number.changed').map((r) => r.detail)).toEqual([{ accountId: oldCat, newAccountId: newCat, count: 1 }]);
    // The group's timeline (as the app shows it) has the line after the messages that came before it.
    const view = groupView(ben.messenger, ben.messenger.groups.get(groupId));
    expect(view.events.at(-1)).toMatchObject({ text: 'Cat Keys’s safety number changed', at: change!.at });
    const earlier = ben.messenger.groups.history(groupId, 50).find((m) => m.body === 'Cat says hello')!;
    expect(change!.at).toBeGreaterThanOrEqual(earlier.receivedAt!);
    // Ann has Cat as a contact: the contact path as before (sending to her 1:1 blocked until accepted), and the group shows it too.
    await eventually(() => ann.messenger.contacts.get(oldCat).pendingAccountId === newCat, 20_000);
    expect(ann.messenger.groups.keyChanges(groupId)).toMatchObject([{ accountId: oldCat, newAccountId: newCat }]);
  }, 90_000);

  it('keeps the group writable for everyone else while it shows that the member gets nothing until re-added', async () => {
    await ben.messenger.groups.sendText(groupId, 'Ben after Cat’s change');
    await eventually(() => has(ann.messenger, 'Ben after Cat’s change'), 20_000);
    // Cat's own device knows it is not listed under its new key, and says so instead of sending what the others would refuse.
    await expect(cat.messenger.groups.sendText(groupId, 'Cat before re-adding')).rejects.toMatchObject({ code: 'GROUP_NOT_MEMBER' });
    // The signed member list still names the old key; the mark stays until an admin adds the new one or removes the old.
    expect(ben.messenger.groups.get(groupId).members.map((m) => m.accountId)).toContain(oldCat);
    expect(ben.messenger.groups.get(groupId).members.find((m) => m.accountId === oldCat)?.keyChanged).toBe(true);
  }, 60_000);

  it('lets only an admin put the new key in the group, after which the member reads and writes there again', async () => {
    const newCat = cat.messenger.keys.accountId;
    await expect(ben.messenger.groups.adoptMemberKey(groupId, oldCat)).rejects.toMatchObject({ code: 'GROUP_NOT_ADMIN' });
    await expect(ann.messenger.groups.adoptMemberKey(groupId, ben.messenger.keys.accountId)).rejects.toMatchObject({ code: 'GROUP_NO_KEY_CHANGE' });
    // Through the CLI's command (`parley group new-key "Key Club" Cat`), the one path the app's button takes too.
    const [line] = await runGroupCommand(ann.messenger, { name: 'group-new-key', groupName: 'Key Club', memberName: 'Cat' });
    expect(line!.json).toEqual({ group: { id: groupId, name: 'Key Club', members: ['Ann Keys', 'Ben', 'Cat'] } });
    const g = ann.messenger.groups.get(groupId);
    expect(g.members.map((m) => m.accountId)).toEqual([ann.messenger.keys.accountId, ben.messenger.keys.accountId, newCat]);
    expect(g.members.every((m) => !m.keyChanged)).toBe(true);
    await eventually(() => ben.messenger.groups.get(groupId).members.some((m) => m.accountId === newCat) && cat.messenger.groups.get(groupId).status === 'member', 20_000);
    await ben.messenger.groups.sendText(groupId, 'Welcome back, Cat');
    await eventually(() => has(cat.messenger, 'Welcome back, Cat'), 20_000);
    await cat.messenger.groups.sendText(groupId, 'Cat under her new key');
    await eventually(() => has(ben.messenger, 'Cat under her new key') && has(ann.messenger, 'Cat under her new key'), 20_000);
    expect(ben.messenger.groups.history(groupId, 50).find((m) => m.body === 'Cat under her new key')?.sender).toBe(newCat);
    expect(ben.messenger.groups.events(groupId).slice(-2).map((e) => e.text)).toEqual(['Ann Keys added Cat Keys’s new key', 'Ann Keys removed Cat Keys’s old key']);
    expect(ben.messenger.groups.keyChanges(groupId).map((k) => k.text)).toEqual(['Cat Keys’s safety number changed']);
  }, 90_000);

  it('ignores a validly signed change from someone in none of our groups', async () => {
    dee = await createUser('Dee Keys', relay.url);
    await ann.messenger.contacts.add(dee.messenger.account.invite(), 'Dee');
    const side = (await ann.messenger.groups.create('Side room', [ben.messenger.keys.accountId, dee.messenger.keys.accountId])).id;
    await eventually(() => ben.messenger.groups.list().some((g) => g.id === side) && dee!.messenger.groups.list().some((g) => g.id === side), 20_000);
    await dee.messenger.groups.sendText(side, 'Dee was here');
    await eventually(() => ben.messenger.groups.history(side, 10).some((m) => m.body === 'Dee was here'), 20_000);
    await ben.messenger.groups.leave(side);
    const target = await newKey();
    const deeId = dee.messenger.keys.accountId;
    await sendKeyChange(dee.messenger, ben.messenger, toBase64Url(target.publicKey), signKeyChange(dee.messenger.keys.accountSigner.secretKey, target.publicKey));
    await eventually(() => audits(ben.messenger, 'group.rejected').some((r) => r.detail['reason'] === 'NOT_A_MEMBER' && r.detail['accountId'] === deeId), 20_000);
    expect(ben.messenger.store.groups.keyChanges(side)).toEqual([]);
    expect(audits(ben.messenger, 'safety_number.changed')).toHaveLength(1);
  }, 90_000);
});
