/**
 * "Send me the chain" (src/main/groups/chainRepair.ts, docs/protocol.md
 * §8.5). Ann's group has a chain longer than one state update (renames
 * with 64-character names), so a change reaches members who had the
 * previous head as a delta. Ben's connection goes through a hostile relay
 * (test/support/hostileRelay.ts) that drops a version for good (drops it
 * and acks it in his name). The next delta reaches him without its
 * parent: he asks Ann for the chain, checks her answer as any update, and
 * ends at the group state the others have. A request from a device that
 * is not a member's is refused without changing anything, and repeated
 * gaps cost one request per GROUP_CHAIN_REQUEST_INTERVAL_MS per group and
 * peer device.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUP_UPDATE_MAX_BYTES } from '../../src/shared/constants';
import { toBase64Url } from '../../src/shared/wire/encoding';
import type { ChatContext } from '../../src/main/conversations/context';
import { flushOutbox, sendContent } from '../../src/main/conversations/outgoing';
import { currentState } from '../../src/main/groups/chainStore';
import type { Messenger } from '../../src/main/messenger/messenger';
import { startTestRelay } from '../support/relayHarness';
import { dropForGood, startHostileRelay, type HostileRelay } from '../support/hostileRelay';
import { createUser, eventually, reopen, type TestUser } from '../support/chatHarness';

let relay: Awaited<ReturnType<typeof startTestRelay>>;
let proxy: HostileRelay;
let ann: TestUser;
let ben: TestUser;
let cat: TestUser;
let dan: TestUser;
let group: string;
let renames = 0;

const contextOf = (m: Messenger): ChatContext => (m.groups as unknown as { ctx: ChatContext }).ctx;
const addressOf = (u: TestUser): string => `${u.messenger.keys.accountId}.${u.messenger.keys.deviceId}`;
const audits = (m: Messenger, kind: string, address?: string) =>
  m.store.audit.list(5000).filter((e) => e.kind === kind && (address === undefined || e.detail['address'] === address));
const head = (m: Messenger): string | undefined => currentState(contextOf(m), group)?.state.head;
/** The next rename, at the longest name, so the chain grows by as much as a small change can. */
const rename = (): Promise<unknown> => ann.messenger.groups.rename(group, `Harbour ${String(++renames).padStart(4, '0')} `.padEnd(64, 'x'));

/** Drops for good what the relay pushes to Ben while `change` runs, until `dropped` says it went; returns how many were dropped. */
async function withheldFromBen(change: () => Promise<unknown>, dropped: () => boolean): Promise<number> {
  const drop = dropForGood(proxy);
  await change();
  await ann.messenger.conversations.drain();
  await eventually(() => drop.count >= 1 && dropped(), 20_000);
  drop.on = false;
  return drop.count;
}

beforeAll(async () => {
  relay = await startTestRelay();
  proxy = await startHostileRelay(relay.url);
  ann = await createUser('Ann Chain', relay.url);
  ben = await createUser('Ben Chain', proxy.url);
  cat = await createUser('Cat Chain', relay.url);
  dan = await createUser('Dan Chain', relay.url);
  for (const [u, name] of [[ben, 'Ben'], [cat, 'Cat'], [dan, 'Dan']] as const) await ann.messenger.contacts.add(u.messenger.account.invite(), name);
  await eventually(() => ben.messenger.contacts.list().length === 1 && cat.messenger.contacts.list().length === 1 && dan.messenger.contacts.list().length === 1, 20_000);
  group = (await ann.messenger.groups.create('Harbour', [ben.messenger.keys.accountId, dan.messenger.keys.accountId])).id;
  // Past one update's worth of versions, changes go to members who had the previous head as deltas.
  while (ann.messenger.store.groups.versions(group).reduce((n, v) => n + v.length, 0) <= GROUP_UPDATE_MAX_BYTES) await rename();
  await eventually(() => head(ben.messenger) === head(ann.messenger) && head(dan.messenger) === head(ann.messenger), 60_000);
}, 240_000);

afterAll(async () => {
  for (const u of [ann, ben, cat, dan]) await u?.messenger.close();
  await proxy?.close();
  await relay?.close();
});

describe('a member device that missed a group version for good', () => {
  it('asks for the chain when a later version comes without its parent, and ends at the state the others have, showing a text of the later epoch', async () => {
    const dropped = await withheldFromBen(
      () => ann.messenger.groups.add(group, [cat.messenger.keys.accountId]),
      () => cat.messenger.groups.list().some((g) => g.id === group) && dan.messenger.groups.get(group).members.length === 4,
    );
    expect(dropped).toBeGreaterThanOrEqual(1);
    await ben.messenger.conversations.drain();
    expect(ben.messenger.groups.get(group).members.map((m) => m.accountId)).not.toContain(cat.messenger.keys.accountId);
    // The removal reaches Ben as a delta whose parent (the add) he never got; the master key and sender keys move on (a new epoch).
    await ann.messenger.groups.remove(group, [dan.messenger.keys.accountId]);
    await eventually(() => cat.messenger.groups.get(group).members.length === 3, 20_000);
    const text = await cat.messenger.groups.sendText(group, 'Lines are in');
    await eventually(() => ben.messenger.store.messages.get(text.id)?.body === 'Lines are in', 30_000);
    expect(head(ben.messenger)).toBe(head(ann.messenger));
    expect(head(cat.messenger)).toBe(head(ann.messenger));
    const members = (u: TestUser) => u.messenger.groups.get(group).members.map((m) => `${m.accountId}:${m.role}`).sort();
    expect(members(ben)).toEqual(members(ann));
    expect(members(ben)).toEqual(members(cat));
    expect(ben.messenger.groups.get(group).name).toBe(ann.messenger.groups.get(group).name);
    expect(ben.messenger.groups.history(group, 50).filter((m) => m.id === text.id)).toHaveLength(1);
    expect(audits(ben.messenger, 'group.chain_requested', addressOf(ann))).toHaveLength(1);
    expect(audits(ann.messenger, 'group.chain_answered', addressOf(ben)).map((e) => e.detail['count'])).toEqual([2]);
  }, 120_000);

  it('refuses a chain request from a device that is not a current member’s, or for a group it does not know, and changes nothing', async () => {
    const ctx = contextOf(dan.messenger); // removed in the test above
    const annDevice = { accountId: ann.messenger.keys.accountId, deviceId: ann.messenger.keys.deviceId };
    const versionsBefore = ann.messenger.store.groups.versions(group).length;
    const headBefore = head(ann.messenger);
    const danHead = head(dan.messenger)!;
    const unknown = toBase64Url(new Uint8Array(32).fill(7));
    await sendContent(ctx, [annDevice], { v: 1, type: 'groupChainRequest', group, head: danHead, sentAt: Date.now() });
    await sendContent(ctx, [annDevice], { v: 1, type: 'groupChainRequest', group: unknown, head: danHead, sentAt: Date.now() });
    await flushOutbox(ctx);
    const refused = () => audits(ann.messenger, 'group.chain_request_refused', addressOf(dan)).map((e) => e.detail['reason']);
    await eventually(() => refused().length === 2, 20_000);
    expect(refused().sort()).toEqual(['GROUP_UNKNOWN', 'NOT_A_MEMBER_DEVICE']);
    await ann.messenger.conversations.drain();
    await dan.messenger.conversations.drain();
    expect(audits(ann.messenger, 'group.chain_answered', addressOf(dan))).toHaveLength(0);
    expect(ann.messenger.store.groups.versions(group).length).toBe(versionsBefore);
    expect(head(ann.messenger)).toBe(headBefore);
    expect(head(dan.messenger)).toBe(danHead);
    expect(dan.messenger.groups.get(group).status).toBe('removed');
    expect(ann.messenger.groups.list().some((g) => g.id === unknown)).toBe(false);
  }, 60_000);

  it('asks a peer device at most once per interval however many gaps come, and again after a restart (the bound is kept in memory)', async () => {
    await ben.messenger.close(); // a fresh process: no request made yet
    await reopen(ben, proxy.url);
    expect(await ben.messenger.waitOnline()).toBe(true);
    const requested = () => audits(ben.messenger, 'group.chain_requested', addressOf(ann)).length;
    const deferred = () => audits(ben.messenger, 'group.chain_request_deferred', addressOf(ann)).length;
    const before = { requested: requested(), answered: audits(ann.messenger, 'group.chain_answered', addressOf(ben)).length };
    const nameOf = (m: Messenger) => m.groups.get(group).name;
    // First gap: asked and repaired.
    await withheldFromBen(rename, () => nameOf(cat.messenger) === nameOf(ann.messenger));
    await rename();
    await eventually(() => head(ben.messenger) === head(ann.messenger), 30_000);
    expect(requested()).toBe(before.requested + 1);
    // Second gap within the interval: each later version shows it again, and no request goes.
    await withheldFromBen(rename, () => nameOf(cat.messenger) === nameOf(ann.messenger));
    for (let i = 0; i < 3; i++) await rename();
    await eventually(() => deferred() >= 3, 30_000);
    await ann.messenger.conversations.drain();
    await ben.messenger.conversations.drain();
    expect(requested()).toBe(before.requested + 1);
    expect(audits(ann.messenger, 'group.chain_answered', addressOf(ben))).toHaveLength(before.answered + 1);
    expect(head(ben.messenger)).not.toBe(head(ann.messenger));
    // A restart forgets when Ben asked: the next version asks again, and the gap closes.
    await ben.messenger.close();
    await reopen(ben, proxy.url);
    expect(await ben.messenger.waitOnline()).toBe(true);
    await rename();
    await eventually(() => head(ben.messenger) === head(ann.messenger), 30_000);
    expect(audits(ben.messenger, 'group.chain_requested', addressOf(ann))).toHaveLength(before.requested + 2);
  }, 120_000);
});
