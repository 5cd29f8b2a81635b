/**
 * Group content that arrives before the group state allowing it is held,
 * not dropped (groups/held.ts): Ben's connection goes through a hostile
 * relay (test/support/hostileRelay.ts) that withholds, unacked, the
 * envelopes carrying a group update, so a member's sender key and text
 * reach him before the update that creates the group here, or that adds
 * their author. When his connection comes back, the relay offers the
 * withheld update again; once Ben adopts it, the held content runs again
 * and the text shows, once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRelay } from '../support/relayHarness';
import { holdEnvelopes, startHostileRelay, type HostileRelay } from '../support/hostileRelay';
import { createUser, eventually, type TestUser } from '../support/chatHarness';
import type { Messenger } from '../../src/main/messenger/messenger';

let relay: Awaited<ReturnType<typeof startTestRelay>>;
let proxy: HostileRelay;
let ann: TestUser;
let ben: TestUser;
let cat: TestUser;
let dan: TestUser;

const held = (m: Messenger, from: TestUser, reason: string): number =>
  m.store.audit.list(500).filter((e) => e.kind === 'group.held' && e.detail['reason'] === reason && e.detail['address'] === `${from.messenger.keys.accountId}.${from.messenger.keys.deviceId}`).length;
/** Group content from `from` that Ben's receive path has dealt with (held, or refused as before holding existed). */
const handled = (m: Messenger, from: TestUser): number =>
  m.store.audit.list(500).filter((e) => (e.kind === 'group.held' || e.kind === 'group.rejected') && e.detail['address'] === `${from.messenger.keys.accountId}.${from.messenger.keys.deviceId}`).length;
const rejected = (m: Messenger): string[] => m.store.audit.list(500).filter((e) => e.kind === 'group.rejected').map((e) => String(e.detail['reason']));

/** Withholds (drops, so the relay keeps them unacked) every envelope pushed to Ben until `release` runs; `count` says how many. */
function withholdFromBen(): { readonly count: number; release: () => void } {
  const held = holdEnvelopes(proxy);
  return { get count() { return held.count; }, release: () => void (proxy.down = (f) => f) };
}

/** Hangs up Ben's connection: he reconnects and the relay offers what he never acked again, oldest first. */
function reconnectBen(): void {
  for (const c of proxy.connections) c.close();
}

beforeAll(async () => {
  relay = await startTestRelay();
  proxy = await startHostileRelay(relay.url);
  ann = await createUser('Ann Held', relay.url);
  ben = await createUser('Ben Held', proxy.url);
  cat = await createUser('Cat Held', relay.url);
  dan = await createUser('Dan Held', relay.url);
  for (const [u, name] of [[ben, 'Ben'], [cat, 'Cat'], [dan, 'Dan']] as const) await ann.messenger.contacts.add(u.messenger.account.invite(), name);
  await ben.messenger.contacts.add(cat.messenger.account.invite(), 'Cat');
  await eventually(() => ben.messenger.contacts.list().length === 2 && cat.messenger.contacts.list().length === 2 && dan.messenger.contacts.list().length === 1, 20_000);
}, 60_000);

afterAll(async () => {
  for (const u of [ann, ben, cat, dan]) await u?.messenger.close();
  await proxy?.close();
  await relay?.close();
});

describe('group content that arrives before its group state', () => {
  it('shows a member’s text that reached this device before the update that made the group known here, once that update comes', async () => {
    const withheld = withholdFromBen();
    const group = (await ann.messenger.groups.create('Harbour', [ben.messenger.keys.accountId, cat.messenger.keys.accountId])).id;
    await eventually(() => cat.messenger.groups.list().some((g) => g.id === group) && withheld.count >= 1, 20_000);
    await ann.messenger.conversations.drain();
    withheld.release();
    // Cat writes: her sender key (pairwise) and the text (one upload) reach Ben, who does not know the group yet.
    const text = await cat.messenger.groups.sendText(group, 'Boats are in');
    await eventually(() => handled(ben.messenger, cat) >= 2, 20_000);
    expect(ben.messenger.groups.list().some((g) => g.id === group)).toBe(false);
    reconnectBen();
    await eventually(() => ben.messenger.store.messages.get(text.id)?.body === 'Boats are in', 20_000);
    expect(ben.messenger.groups.history(group, 50).filter((m) => m.id === text.id)).toHaveLength(1);
    expect(held(ben.messenger, cat, 'UNKNOWN_GROUP')).toBe(2);
    expect(ben.messenger.store.groupHeld.has(group)).toBe(false);
    expect(rejected(ben.messenger)).not.toContain('UNKNOWN_GROUP');
    // Cat learns it arrived: the held text is receipted like any other.
    await eventually(() => ['delivered', 'read'].includes(cat.messenger.store.messages.get(text.id)?.state ?? ''), 20_000);
  }, 90_000);

  it('shows a new member’s text that reached this device before the update that added them, once that update comes', async () => {
    const group = (await ann.messenger.groups.create('Slipway', [ben.messenger.keys.accountId, cat.messenger.keys.accountId])).id;
    await eventually(() => ben.messenger.groups.list().some((g) => g.id === group) && cat.messenger.groups.list().some((g) => g.id === group), 20_000);
    const withheld = withholdFromBen();
    await ann.messenger.groups.add(group, [dan.messenger.keys.accountId]);
    await eventually(() => dan.messenger.groups.list().some((g) => g.id === group) && withheld.count >= 1, 20_000);
    await ann.messenger.conversations.drain();
    withheld.release();
    const text = await dan.messenger.groups.sendText(group, 'Glad to be aboard');
    await eventually(() => handled(ben.messenger, dan) >= 1, 20_000);
    expect(ben.messenger.store.messages.get(text.id)).toBeNull();
    expect(held(ben.messenger, dan, 'NOT_A_MEMBER')).toBeGreaterThanOrEqual(1);
    reconnectBen();
    await eventually(() => ben.messenger.store.messages.get(text.id)?.body === 'Glad to be aboard', 20_000);
    expect(ben.messenger.groups.history(group, 50).filter((m) => m.id === text.id)).toHaveLength(1);
    expect(ben.messenger.store.groupHeld.has(group)).toBe(false);
  }, 90_000);
});
