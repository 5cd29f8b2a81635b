/**
 * Typing in a group of three on a real relay: a member's typing signal
 * reaches the other two members (one of them not the typist's contact) as
 * the same `typing` event 1:1 typing uses, with the group's conversation id
 * and who is typing; it is never stored, and a text from the typist clears
 * it. A member who left sends no signal any more.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRelay } from '../support/relayHarness';
import { createUser, eventually, type TestUser } from '../support/chatHarness';

interface Seen { conversationId: string; typing: boolean; from: string }

let relay: Awaited<ReturnType<typeof startTestRelay>>;
let ann: TestUser;
let ben: TestUser;
let cat: TestUser;
let groupId: string;
const seen = new Map<TestUser, Seen[]>();

beforeAll(async () => {
  relay = await startTestRelay();
  [ann, ben, cat] = (await Promise.all(['Ann Type', 'Ben Type', 'Cat Type'].map((n) => createUser(n, relay.url)))) as [TestUser, TestUser, TestUser];
  for (const u of [ann, ben, cat]) {
    const list: Seen[] = [];
    seen.set(u, list);
    u.messenger.bus.onAll({ typing: (conversationId, typing, from) => list.push({ conversationId, typing, from }) });
  }
  for (const u of [ben, cat]) await ann.messenger.contacts.add(u.messenger.account.invite(), u === ben ? 'Ben' : 'Cat');
  await eventually(() => ben.messenger.contacts.list().length === 1 && cat.messenger.contacts.list().length === 1);
  groupId = (await ann.messenger.groups.create('Typists', [ben.messenger.keys.accountId, cat.messenger.keys.accountId])).id;
  await eventually(() => ben.messenger.groups.list().length === 1 && cat.messenger.groups.list().length === 1);
  // Ben learns Cat's devices (she is not his contact) from the group's state.
  await eventually(() => ben.messenger.store.groups.devicesOf(cat.messenger.keys.accountId).length === 1);
}, 60_000);

afterAll(async () => {
  for (const u of [ann, ben, cat]) await u?.messenger.close();
  await relay?.close();
});

describe('typing in a group', () => {
  it('shows a member typing to the other two members, under the group and the typist, and stores nothing', async () => {
    const rowsBefore = ann.messenger.groups.history(groupId, 50).length;
    await ben.messenger.conversations.setTyping(groupId, true);
    const benId = ben.messenger.keys.accountId;
    for (const u of [ann, cat]) await eventually(() => seen.get(u)!.some((s) => s.conversationId === groupId && s.typing && s.from === benId));
    expect(seen.get(ben)).toEqual([]);
    await ben.messenger.conversations.setTyping(groupId, false);
    for (const u of [ann, cat]) await eventually(() => seen.get(u)!.at(-1)?.typing === false);
    expect(ann.messenger.groups.history(groupId, 50)).toHaveLength(rowsBefore);
    expect(cat.messenger.groups.history(groupId, 50)).toHaveLength(rowsBefore);
  });

  it('clears the typist’s signal when their text arrives', async () => {
    const catId = cat.messenger.keys.accountId;
    await cat.messenger.conversations.setTyping(groupId, true);
    await eventually(() => seen.get(ben)!.at(-1)?.typing === true && seen.get(ben)!.at(-1)?.from === catId);
    await cat.messenger.groups.sendText(groupId, 'done typing');
    await eventually(() => seen.get(ben)!.at(-1)?.typing === false && seen.get(ben)!.at(-1)?.from === catId);
    expect(seen.get(ben)!.at(-1)?.conversationId).toBe(groupId);
  });

  it('sends no signal from a member who left', async () => {
    await cat.messenger.groups.leave(groupId);
    await eventually(() => ann.messenger.groups.get(groupId).members.length === 2);
    const before = seen.get(ann)!.length;
    await cat.messenger.conversations.setTyping(groupId, true);
    await ben.messenger.conversations.setTyping(groupId, true);
    await eventually(() => seen.get(ann)!.slice(before).some((s) => s.from === ben.messenger.keys.accountId));
    expect(seen.get(ann)!.slice(before).some((s) => s.from === cat.messenger.keys.accountId)).toBe(false);
  });
});
