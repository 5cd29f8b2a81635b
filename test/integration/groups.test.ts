/**
 * Groups on a real relay: three (then four) people on real encrypted
 * profiles. Ben and Cat are not each other's contacts: they meet only in the
 * group, under the names they chose. Covers sending to all, replies,
 * reactions, edits, deletes for everyone, attachments, removal (nothing
 * after it), adding (nothing before it) and concurrent changes converging.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestRelay } from '../support/relayHarness';
import { createUser, eventually, type TestUser } from '../support/chatHarness';
import type { Messenger } from '../../src/main/messenger/messenger';
import { decodeOwnChain, decodePeerRecord } from '../../src/main/groups/protocol/senderKey';

let relay: Awaited<ReturnType<typeof startTestRelay>>;
let ann: TestUser;
let ben: TestUser;
let cat: TestUser;
let dan: TestUser;
let groupId: string;

const bodies = (m: Messenger, id = groupId) => m.groups.history(id, 100).map((x) => x.body).reverse();
const has = (m: Messenger, text: string, id = groupId) => m.groups.history(id, 100).find((x) => x.body === text);

async function befriend(a: TestUser, b: TestUser, name: string): Promise<void> {
  await a.messenger.contacts.add(b.messenger.account.invite(), name);
  await eventually(() => b.messenger.contacts.list().some((c) => c.accountId === a.messenger.keys.accountId));
}

beforeAll(async () => {
  relay = await startTestRelay();
  [ann, ben, cat, dan] = (await Promise.all(['Ann Lowe', 'Ben Okafor', 'Cat Ruiz', 'Dan Ito'].map((n) => createUser(n, relay.url)))) as [TestUser, TestUser, TestUser, TestUser];
  await befriend(ann, ben, 'Ben');
  await befriend(ann, cat, 'Cat');
  await befriend(ann, dan, 'Dan');
}, 60_000);

afterAll(async () => {
  for (const u of [ann, ben, cat, dan]) await u?.messenger.close();
  await relay?.close();
});

describe('groups on a real relay', () => {
  it('creates a group from contacts and every member learns it, with the others under the names they chose', async () => {
    const g = await ann.messenger.groups.create('Lighthouse crew', [ben.messenger.keys.accountId, cat.messenger.keys.accountId]);
    groupId = g.id;
    expect(g.members.map((m) => m.name)).toEqual(['Ann Lowe', 'Ben', 'Cat']);
    for (const u of [ben, cat]) await eventually(() => u.messenger.groups.list().some((x) => x.id === groupId));
    const seenByBen = ben.messenger.groups.get(groupId);
    expect(seenByBen.name).toBe('Lighthouse crew');
    expect(seenByBen.members.find((m) => m.accountId === cat.messenger.keys.accountId)).toMatchObject({ contact: false, role: 'member' });
    expect(ben.messenger.contacts.list().some((c) => c.accountId === cat.messenger.keys.accountId)).toBe(false);
    await eventually(() => cat.messenger.groups.list().some((x) => x.id === groupId));
    const benSees = ben.messenger.groups.safetyNumber(groupId, cat.messenger.keys.accountId).groups;
    expect(benSees).toEqual(cat.messenger.groups.safetyNumber(groupId, ben.messenger.keys.accountId).groups);
  });

  it('delivers one message to every member, and a non-contact replies under the name they chose', async () => {
    const m = await ann.messenger.groups.sendText(groupId, 'Keepers meet at dusk');
    await eventually(() => has(ben.messenger, 'Keepers meet at dusk') && has(cat.messenger, 'Keepers meet at dusk'));
    const reply = await cat.messenger.groups.sendText(groupId, 'I will bring the lamp oil', { replyTo: m.id });
    await eventually(() => has(ben.messenger, 'I will bring the lamp oil') && has(ann.messenger, 'I will bring the lamp oil'));
    expect(has(ben.messenger, 'I will bring the lamp oil')).toMatchObject({ replyTo: m.id, sender: cat.messenger.keys.accountId });
    expect(await eventually(() => ben.inbox.find((x) => x.id === reply.id))).toMatchObject({ from: 'Cat Ruiz', conversationId: groupId });
    expect(ben.messenger.groups.get(groupId).members.find((x) => x.accountId === cat.messenger.keys.accountId)?.name).toBe('Cat Ruiz');
    // Cat stays out of Ben's contacts: her devices are kept as a group member's.
    expect(ben.messenger.contacts.list().map((c) => c.accountId)).not.toContain(cat.messenger.keys.accountId);
    expect(ben.messenger.store.groups.devicesOf(cat.messenger.keys.accountId)).toEqual([cat.messenger.keys.deviceId]);
    await eventually(() => ann.messenger.groups.receipts(m.id).delivered === 2);
    expect(ann.messenger.groups.receipts(m.id)).toEqual({ delivered: 2, read: 0, of: 2 });
    await ben.messenger.conversations.markRead(groupId);
    await eventually(() => ann.messenger.groups.receipts(m.id).read === 1);
  });

  it('carries reactions, edits and deletes for everyone to every member', async () => {
    const m = await ben.messenger.groups.sendText(groupId, 'Tide at 6');
    await eventually(() => has(ann.messenger, 'Tide at 6') && has(cat.messenger, 'Tide at 6'));
    await cat.messenger.conversations.react(m.id, '👍');
    await eventually(() => ann.messenger.store.reactions.forMessage(m.id).some((r) => r.emoji === '👍' && r.sender === cat.messenger.keys.accountId));
    await ben.messenger.conversations.editMessage(m.id, 'Tide at 7');
    await eventually(() => has(ann.messenger, 'Tide at 7') && has(cat.messenger, 'Tide at 7'));
    await ben.messenger.conversations.deleteMessage(m.id, true);
    await eventually(() => ann.messenger.store.messages.get(m.id)?.deletedAt != null && cat.messenger.store.messages.get(m.id)?.deletedAt != null);
  });

  it('sends a file once, with its key in the message, and every member can open it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'parley-group-file-'));
    const file = path.join(dir, 'chart.txt');
    writeFileSync(file, 'north by northwest');
    const id = ann.messenger.attachments.begin(groupId, 'chart.txt', 'text/plain', 18);
    await ann.messenger.attachments.append(id, readFileSync(file));
    const m = await ann.messenger.attachments.finish(id);
    for (const u of [ben, cat]) {
      await eventually(() => u.messenger.store.attachments.forMessage(m.id)[0]?.localPath);
      await u.messenger.attachments.settled();
      const saved = await u.messenger.attachments.saveForMessage(m.id, mkdtempSync(path.join(os.tmpdir(), 'parley-group-save-')));
      expect(readFileSync(saved[0]!.path, 'utf8')).toBe('north by northwest');
    }
  });

  it('removes a member, who sees the removal and reads nothing sent after it', async () => {
    await ann.messenger.groups.remove(groupId, [cat.messenger.keys.accountId]);
    await eventually(() => cat.messenger.groups.get(groupId).status === 'removed');
    await eventually(() => ben.messenger.groups.get(groupId).members.length === 2);
    expect(cat.messenger.groups.events(groupId).at(-1)?.text).toBe('Ann Lowe removed you');
    await ben.messenger.groups.sendText(groupId, 'After Cat left');
    await ann.messenger.groups.sendText(groupId, 'Also after');
    await eventually(() => has(ann.messenger, 'After Cat left') && has(ben.messenger, 'Also after'));
    await cat.messenger.conversations.drain();
    expect(bodies(cat.messenger)).not.toContain('After Cat left');
    expect(bodies(cat.messenger)).not.toContain('Also after');
    // Every remaining sender moved to a fresh chain that Cat never got: even a copy delivered to her would not open.
    for (const u of [ann, ben]) {
      const address = `${u.messenger.keys.accountId}.${u.messenger.keys.deviceId}`;
      const current = decodeOwnChain(u.messenger.store.groups.senderKey(groupId, address)!).chainId;
      const catHolds = cat.messenger.store.groups.senderKey(groupId, address);
      expect(catHolds && decodePeerRecord(catHolds).chains.map((c) => c.chainId)).not.toContain(current);
    }
    await expect(cat.messenger.groups.sendText(groupId, 'still here?')).rejects.toMatchObject({ code: 'GROUP_NOT_MEMBER' });
  });

  it('adds a member who reads only what is sent after joining', async () => {
    await ann.messenger.groups.add(groupId, [dan.messenger.keys.accountId]);
    await eventually(() => dan.messenger.groups.list().some((g) => g.id === groupId));
    await ben.messenger.groups.sendText(groupId, 'Welcome Dan');
    await eventually(() => has(dan.messenger, 'Welcome Dan'));
    expect(bodies(dan.messenger)).toEqual(['Welcome Dan']);
  });

  it('resolves two admins’ concurrent changes the same way on every device', async () => {
    await ann.messenger.groups.makeAdmin(groupId, ben.messenger.keys.accountId);
    await eventually(() => ben.messenger.groups.get(groupId).members.find((m) => m.accountId === ben.messenger.keys.accountId)?.role === 'admin');
    await Promise.all([ann.messenger.groups.rename(groupId, 'North crew'), ben.messenger.groups.rename(groupId, 'South crew')]);
    const heads = () => [ann, ben, dan].map((u) => u.messenger.groups.get(groupId).name);
    await eventually(() => new Set(heads()).size === 1 && ann.messenger.store.groups.versions(groupId).length === ben.messenger.store.groups.versions(groupId).length && dan.messenger.store.groups.versions(groupId).length === ann.messenger.store.groups.versions(groupId).length);
    expect(['North crew', 'South crew']).toContain(heads()[0]);
  });
});
