/**
 * Reading a group on one desktop: the account's linked desktop marks the
 * same messages read (as 1:1 read sync does), and the author's "read by N"
 * counts each member once, whichever of their desktops read it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRelay } from '../support/relayHarness';
import { createUser, eventually, type TestUser } from '../support/chatHarness';
import { linkDesktop } from '../support/linkCheck';
import { Messenger } from '../../src/main/messenger/messenger';

let relay: Awaited<ReturnType<typeof startTestRelay>>;
let ann: TestUser;
let ann2: Messenger;
let ben: TestUser;
let cat: TestUser;
let groupId: string;

const unread = (m: Messenger): number => m.store.messages.unreadIncomingIds(groupId).length;
const has = (m: Messenger, text: string) => m.groups.history(groupId, 50).find((x) => x.body === text);

beforeAll(async () => {
  relay = await startTestRelay();
  [ann, ben, cat] = (await Promise.all(['Ann Reads', 'Ben Writes', 'Cat Reads'].map((n) => createUser(n, relay.url)))) as [TestUser, TestUser, TestUser];
  ann2 = await linkDesktop(ann.messenger, relay.url, 'Ann laptop');
  await ben.messenger.contacts.add(ann.messenger.account.invite(), 'Ann');
  await ben.messenger.contacts.add(cat.messenger.account.invite(), 'Cat');
  await eventually(() => ann2.contacts.list().length === 1 && cat.messenger.contacts.list().length === 1);
  groupId = (await ben.messenger.groups.create('Readers', [ann.messenger.keys.accountId, cat.messenger.keys.accountId])).id;
  await eventually(() => [ann.messenger, ann2, cat.messenger].every((m) => m.groups.list().some((g) => g.id === groupId)));
}, 90_000);

afterAll(async () => {
  for (const m of [ann2, ann?.messenger, ben?.messenger, cat?.messenger]) await m?.close();
  await relay?.close();
});

describe('group read state across desktops', () => {
  it('marks a group read on the linked desktop when it is read on the first, and the author sees "read by 1"', async () => {
    const first = await ben.messenger.groups.sendText(groupId, 'Chapter one tonight');
    const second = await ben.messenger.groups.sendText(groupId, 'Bring the book');
    await eventually(() => [ann.messenger, ann2, cat.messenger].every((m) => has(m, 'Bring the book')));
    expect(unread(ann2)).toBe(2);
    await ann.messenger.conversations.markRead(groupId);
    expect(unread(ann.messenger)).toBe(0);
    await eventually(() => unread(ann2) === 0);
    await eventually(() => ben.messenger.groups.receipts(second.id).read === 1);
    expect(ben.messenger.groups.receipts(first.id)).toMatchObject({ read: 1, of: 2 });
    expect(unread(cat.messenger)).toBe(2); // only Ann's desktops: Cat's read state is hers
  });

  it('counts each member once in "read by N", whichever desktop read it', async () => {
    const m = await ben.messenger.groups.sendText(groupId, 'Page 12');
    await eventually(() => has(ann2, 'Page 12') && has(cat.messenger, 'Page 12') && has(ann.messenger, 'Page 12'));
    await ann2.conversations.markRead(groupId);
    await eventually(() => unread(ann.messenger) === 0);
    await cat.messenger.conversations.markRead(groupId);
    await eventually(() => ben.messenger.groups.receipts(m.id).read === 2);
    // Ann's first desktop has nothing unread left to read: no second count for her.
    await ann.messenger.conversations.markRead(groupId);
    expect(ben.messenger.groups.receipts(m.id)).toEqual({ delivered: 2, read: 2, of: 2 });
  });
});
