/**
 * Groups on several desktops of one account: a desktop linked after the
 * group existed gets the group (state, members, names) and its history
 * with the link, reads what the group says next, sends to the group, and
 * its messages reach the members and the account's first desktop.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRelay } from '../support/relayHarness';
import { createUser, eventually, profileDir, TEST_PASSPHRASE, TEST_PWHASH, type TestUser } from '../support/chatHarness';
import { CodeComparer } from '../support/linkCheck';
import { Messenger } from '../../src/main/messenger/messenger';

let relay: Awaited<ReturnType<typeof startTestRelay>>;
let ann: TestUser;
let ben: TestUser;
let cat: TestUser;
let ann2: Messenger;
let groupId: string;
let restored: Messenger | undefined;

const has = (m: Messenger, text: string) => m.groups.history(groupId, 100).find((x) => x.body === text);

beforeAll(async () => {
  relay = await startTestRelay();
  ann = await createUser('Ann Desk', relay.url);
  ben = await createUser('Ben Desk', relay.url);
  cat = await createUser('Cat Desk', relay.url);
  await ann.messenger.contacts.add(ben.messenger.account.invite(), 'Ben');
  await ann.messenger.contacts.add(cat.messenger.account.invite(), 'Cat');
  await eventually(() => ben.messenger.contacts.list().length === 1 && cat.messenger.contacts.list().length === 1);
  groupId = (await ann.messenger.groups.create('Studio', [ben.messenger.keys.accountId, cat.messenger.keys.accountId])).id;
  await eventually(() => ben.messenger.groups.list().length === 1 && cat.messenger.groups.list().length === 1);
  await ann.messenger.groups.sendText(groupId, 'Before the second desktop');
  await cat.messenger.groups.sendText(groupId, 'Cat was here early');
  await eventually(() => has(ann.messenger, 'Cat was here early') && has(ben.messenger, 'Before the second desktop'));
  let code = '';
  const user = new CodeComparer();
  const linking = Messenger.link({ dir: profileDir(), relayUrl: relay.url, deviceName: 'Second desk', passphrase: TEST_PASSPHRASE, pwhash: TEST_PWHASH, onCode: (c) => (code = c), confirm: user.confirm });
  await eventually(() => code);
  user.saw(ann.messenger.devices.inspectLink(code));
  await ann.messenger.devices.acceptLink(code, null);
  ann2 = await linking;
  await ann2.waitOnline();
}, 90_000);

afterAll(async () => {
  // The restore in the last test revokes the account's earlier desktops (they wipe themselves): closing them again may fail.
  for (const m of [ann2, restored, ann?.messenger, ben?.messenger, cat?.messenger]) await m?.close().catch(() => undefined);
  await relay?.close();
});

describe('groups on linked desktops', () => {
  it('brings the group and its history to a desktop linked later', () => {
    const g = ann2.groups.get(groupId);
    expect(g).toMatchObject({ name: 'Studio', status: 'member' });
    expect(g.members.map((m) => m.accountId)).toEqual([ann.messenger.keys.accountId, ben.messenger.keys.accountId, cat.messenger.keys.accountId]);
    expect(ann2.groups.history(groupId, 10).map((m) => m.body).sort()).toEqual(['Before the second desktop', 'Cat was here early']);
  });

  it('shows on the linked desktop what members and the first desktop send next', async () => {
    await ben.messenger.groups.sendText(groupId, 'Ben after the link');
    await ann.messenger.groups.sendText(groupId, 'First desktop after the link');
    await eventually(() => has(ann2, 'Ben after the link') && has(ann2, 'First desktop after the link'), 20_000);
    expect(has(ann2, 'First desktop after the link')).toMatchObject({ direction: 'out' });
  });

  it('sends from the linked desktop to every member and to the first desktop', async () => {
    const m = await ann2.groups.sendText(groupId, 'From the second desk');
    await eventually(() => has(ben.messenger, 'From the second desk') && has(cat.messenger, 'From the second desk') && has(ann.messenger, 'From the second desk'), 20_000);
    expect(has(ben.messenger, 'From the second desk')).toMatchObject({ id: m.id, sender: ann.messenger.keys.accountId });
    expect(has(ann.messenger, 'From the second desk')).toMatchObject({ direction: 'out' });
  });

  it('restores the group from the backup on a fresh install, which then sends to it', async () => {
    await ann.messenger.backup.now();
    restored = (await Messenger.restore({ dir: profileDir(), phrase: ann.phrase, relayUrl: relay.url, passphrase: TEST_PASSPHRASE, pwhash: TEST_PWHASH })).messenger;
    expect(await restored.waitOnline()).toBe(true);
    expect(restored.groups.get(groupId)).toMatchObject({ name: 'Studio', status: 'member' });
    expect(restored.groups.history(groupId, 50).map((m) => m.body)).toContain('From the second desk');
    await eventually(() => ben.messenger.store.contacts.devices(ann.messenger.keys.accountId).includes(restored!.keys.deviceId), 20_000);
    await restored.groups.sendText(groupId, 'Back from the backup');
    await eventually(() => has(ben.messenger, 'Back from the backup') && has(cat.messenger, 'Back from the backup'), 20_000);
  });
});
