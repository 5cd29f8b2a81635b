/**
 * Groups through a hostile relay (test/support/hostileRelay.ts) in front of
 * Ben's connection: the relay rewrites a group update in transit (it cannot
 * add a member), replays an old group update (the state does not go back),
 * and withholds a sender-key distribution (the group message leaves a
 * placeholder, Ben asks for the key, and the repair follows).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRelay } from '../support/relayHarness';
import { startHostileRelay, type HostileRelay } from '../support/hostileRelay';
import { createUser, eventually, type TestUser } from '../support/chatHarness';

let relay: Awaited<ReturnType<typeof startTestRelay>>;
let proxy: HostileRelay;
let ann: TestUser;
let ben: TestUser;
let cat: TestUser;
let groupId: string;
const toBen: string[] = [];

const isMessage = (f: string) => f.startsWith('{') && (JSON.parse(f) as { type?: string }).type === 'message';

beforeAll(async () => {
  relay = await startTestRelay();
  proxy = await startHostileRelay(relay.url);
  ann = await createUser('Ann Hostile', relay.url);
  cat = await createUser('Cat Hostile', relay.url);
  ben = await createUser('Ben Hostile', proxy.url);
  proxy.down = (f) => {
    if (isMessage(f)) toBen.push(f);
    return f;
  };
  await ann.messenger.contacts.add(ben.messenger.account.invite(), 'Ben');
  await ann.messenger.contacts.add(cat.messenger.account.invite(), 'Cat');
  await eventually(() => ben.messenger.contacts.list().length === 1 && cat.messenger.contacts.list().length === 1);
  groupId = (await ann.messenger.groups.create('Harbour', [ben.messenger.keys.accountId, cat.messenger.keys.accountId])).id;
  await eventually(() => ben.messenger.groups.list().some((g) => g.id === groupId));
}, 60_000);

afterAll(async () => {
  for (const u of [ann, ben, cat]) await u?.messenger.close();
  await proxy?.close();
  await relay?.close();
});

describe('groups through a hostile relay', () => {
  it('withholds a sender-key distribution: a placeholder shows, Ben asks for the key, and the message is repaired', async () => {
    let dropped: string | null = null;
    proxy.down = (f) => {
      if (isMessage(f) && dropped === null) {
        dropped = f; // the first envelope after Ann's send: her sender-key distribution
        return null;
      }
      if (isMessage(f)) toBen.push(f);
      return f;
    };
    const m = await ann.messenger.groups.sendText(groupId, 'Boats in by nine');
    await eventually(() => ben.messenger.store.audit.list(100).some((e) => e.kind === 'decrypt.failed' && e.detail['reason'] === 'GROUP_NO_SENDER_KEY'), 20_000);
    await eventually(() => ben.messenger.store.messages.get(m.id)?.body === 'Boats in by nine', 20_000);
    expect(ben.messenger.groups.history(groupId, 50).some((x) => x.kind === 'undecryptable')).toBe(false);
    expect(dropped).not.toBeNull();
  });

  it('cannot add a member by rewriting a group update in transit', async () => {
    const before = ben.messenger.groups.get(groupId).members.map((x) => x.accountId);
    let tampered = 0;
    proxy.down = (f) => {
      if (!isMessage(f)) return f;
      const frame = JSON.parse(f) as { envelope: string };
      const i = Math.floor(frame.envelope.length / 2);
      frame.envelope = frame.envelope.slice(0, i) + (frame.envelope[i] === 'A' ? 'B' : 'A') + frame.envelope.slice(i + 1);
      tampered++;
      return JSON.stringify(frame);
    };
    await ann.messenger.groups.rename(groupId, 'Harbour watch');
    await eventually(() => tampered > 0);
    await ben.messenger.conversations.drain();
    expect(ben.messenger.groups.get(groupId).members.map((x) => x.accountId)).toEqual(before);
    expect(ben.messenger.groups.get(groupId).name).toBe('Harbour');
    proxy.down = (f) => f;
    // The honest copy stays on the relay (a rewritten envelope is never acked): it arrives on the next connection.
  });

  it('replays an old group update without taking the state back', async () => {
    const old = toBen[0]!;
    await ann.messenger.groups.remove(groupId, [cat.messenger.keys.accountId]);
    await eventually(() => ben.messenger.groups.get(groupId).members.length === 2, 20_000);
    const rejected = () => ben.messenger.store.audit.list(500).filter((e) => e.kind === 'envelope.rejected').length;
    const before = rejected();
    const conn = proxy.connections.at(-1)!;
    conn.toClient(old);
    const fresh = JSON.parse(old) as { id: string };
    conn.toClient(JSON.stringify({ ...fresh, id: `${fresh.id}-again` }));
    await new Promise((r) => setTimeout(r, 500));
    await ben.messenger.conversations.drain();
    expect(ben.messenger.groups.get(groupId).members.map((x) => x.accountId)).not.toContain(cat.messenger.keys.accountId);
    await eventually(() => rejected() > before);
  });
});
