/**
 * One relay push is one receive batch (conversations/receiveBatch.ts): one
 * transaction, one ack. End to end, on real profiles, a real relay on
 * loopback and a hostile relay in the middle that hands a whole push to the
 * client as one frame batch: within one push it reorders, replays an
 * envelope under a new envelope id, repeats an id, and mixes a new
 * contact's first envelopes (a new session, a consumed prekey) between
 * texts on known sessions. Each text is applied once, in the order sent,
 * and both sides' sessions go on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Messenger } from '../../src/main/messenger/messenger';
import { createUser, eventually, type TestUser } from '../support/chatHarness';
import { startTestRelay } from '../support/relayHarness';
import { toBase64Url } from '../../src/shared/wire/encoding';
import { startHostileRelay, type HostileRelay } from '../support/hostileRelay';

let relay: Awaited<ReturnType<typeof startTestRelay>>;
let hostile: HostileRelay;
const open: Messenger[] = [];

beforeAll(async () => {
  relay = await startTestRelay();
  hostile = await startHostileRelay(relay.url);
});

afterAll(async () => {
  for (const m of open) await m.close().catch(() => undefined);
  await hostile?.close();
  await relay?.close();
});

async function user(name: string, url: string): Promise<TestUser> {
  const u = await createUser(name, url);
  open.push(u.messenger);
  return u;
}

/** Two contacts who have each read a text of the other, so both sessions are past their first (prekey) messages. */
async function acquainted(a: TestUser, b: TestUser): Promise<void> {
  await a.messenger.contacts.add(b.messenger.account.invite(), 'B');
  await a.messenger.conversations.sendText(b.messenger.keys.accountId, 'hello');
  await eventually(() => b.inbox.some((m) => m.text === 'hello'), 30_000);
  await b.messenger.conversations.sendText(a.messenger.keys.accountId, 'hi back');
  await eventually(() => a.inbox.some((m) => m.text === 'hi back'), 30_000);
}

/**
 * Holds every envelope the relay pushes through the proxy; `release`
 * delivers the held ones as ONE push (one client batch), rearranged by
 * `arrange` (which may reorder, repeat or rewrite the frames).
 */
function holdPushes(proxy: HostileRelay): { readonly held: string[]; release(arrange: (frames: string[]) => string[]): void } {
  const held: string[] = [];
  const conns = new Set<Parameters<HostileRelay['down']>[1]>();
  proxy.down = (f, conn) => {
    if ((JSON.parse(f) as { type?: string }).type !== 'message') return f;
    held.push(f);
    conns.add(conn);
    return null;
  };
  return {
    held,
    release(arrange) {
      const frames = arrange(held.splice(0));
      proxy.down = (f) => f;
      for (const c of conns) if (c.open) c.toClient(frames.join('\n'));
    },
  };
}

const withId = (frame: string, id: string): string => JSON.stringify({ ...(JSON.parse(frame) as object), id });
const audited = (u: TestUser, reason: string) => u.messenger.store.audit.list(500).filter((e) => e.kind === 'envelope.rejected' && (e.detail as { reason?: string }).reason === reason);

describe('a receive batch under a hostile relay', () => {
  it('takes a push that reorders, replays under a new id and repeats an id: each text once, in the order sent, and the sessions go on', async () => {
    const ann = await user('Ann Replayed', relay.url);
    const ben = await user('Ben Replayed', hostile.url);
    await acquainted(ann, ben);
    const annId = ann.messenger.keys.accountId;
    const benId = ben.messenger.keys.accountId;
    const push = holdPushes(hostile);
    for (const t of ['one', 'two', 'three', 'four']) await ann.messenger.conversations.sendText(benId, t);
    await eventually(() => push.held.length >= 4, 30_000);
    expect(push.held).toHaveLength(4);
    const rejectedBefore = audited(ben, 'PROTOCOL_DUPLICATE').length;
    // two, one (a skipped key), one again under a new envelope id (a replay), three, two again under its own id, four.
    push.release(([f1, f2, f3, f4]) => [f2!, f1!, withId(f1!, '987654321987'), f3!, f2!, f4!]);

    await eventually(() => ['one', 'two', 'three', 'four'].every((t) => ben.inbox.some((m) => m.text === t)), 30_000);
    await eventually(() => ben.messenger.store.delivery.pendingAcks(1).length === 0, 30_000);
    const bodies = ben.messenger.conversations.history(annId, 20).map((m) => m.body);
    expect(bodies).toEqual(['hello', 'hi back', 'one', 'two', 'three', 'four']);
    expect(ben.inbox.filter((m) => ['one', 'two', 'three', 'four'].includes(m.text))).toHaveLength(4);
    // The replay did not decrypt twice: rejected as a duplicate and audited, nothing stored for it.
    expect(audited(ben, 'PROTOCOL_DUPLICATE').length).toBe(rejectedBefore + 1);

    // Both ratchets moved on as one: more texts each way still read.
    await ann.messenger.conversations.sendText(benId, 'five');
    await eventually(() => ben.inbox.some((m) => m.text === 'five'), 30_000);
    await ben.messenger.conversations.sendText(annId, 'got them');
    await eventually(() => ann.inbox.some((m) => m.text === 'got them'), 30_000);
    expect(ben.messenger.store.audit.list(500).filter((e) => e.kind === 'decrypt.failed')).toEqual([]);
  }, 120_000);

  it('applies a new contact’s first envelopes (a new session) between texts on known sessions, in order, in one push', async () => {
    const ann = await user('Ann Mixed', relay.url);
    const ben = await user('Ben Mixed', hostile.url);
    const cat = await user('Cat Mixed', relay.url);
    await acquainted(ann, ben);
    const annId = ann.messenger.keys.accountId;
    const benId = ben.messenger.keys.accountId;
    const catId = cat.messenger.keys.accountId;
    const push = holdPushes(hostile);
    await ann.messenger.conversations.sendText(benId, 'a1');
    await ann.messenger.conversations.sendText(benId, 'a2');
    await cat.messenger.contacts.add(ben.messenger.account.invite(), 'Ben');
    await cat.messenger.conversations.sendText(benId, 'c1');
    await cat.messenger.conversations.sendText(benId, 'c2');
    await ann.messenger.conversations.sendText(benId, 'a3');
    // Ann's three texts, Cat's profile and two texts.
    await eventually(() => push.held.length >= 6, 30_000);
    const oneTimeKeys = () => new Set(ben.messenger.store.db.prepare(`SELECT id FROM prekeys WHERE kind = 'ec'`).pluck().all() as number[]);
    const before = oneTimeKeys();
    expect(ben.messenger.store.protocol.getIdentitySync({ accountId: catId, deviceId: cat.messenger.keys.deviceId })).toBeNull();
    push.release((frames) => frames);

    await eventually(() => ['a1', 'a2', 'a3', 'c1', 'c2'].every((t) => ben.inbox.some((m) => m.text === t)), 30_000);
    expect(ben.messenger.conversations.history(annId, 20).map((m) => m.body)).toEqual(['hello', 'hi back', 'a1', 'a2', 'a3']);
    expect(ben.messenger.conversations.history(catId, 20).map((m) => m.body)).toEqual(['c1', 'c2']);
    expect(ben.messenger.contacts.list().map((c) => c.accountId)).toContain(catId);
    // Cat's first envelope started a session: its identity saved and its one-time prekey gone, in the push's transaction.
    const saved = ben.messenger.store.protocol.getIdentitySync({ accountId: catId, deviceId: cat.messenger.keys.deviceId });
    expect(saved && toBase64Url(saved.key)).toBe(cat.messenger.keys.deviceId);
    const after = oneTimeKeys();
    expect([...before].filter((id) => !after.has(id))).toHaveLength(1);
    expect(ben.messenger.store.audit.list(500).filter((e) => e.kind === 'envelope.rejected' || e.kind === 'envelope.deferred' || e.kind === 'decrypt.failed')).toEqual([]);

    // Receipted back, and the new session answers.
    await eventually(() => cat.messenger.conversations.history(benId, 20).every((m) => m.state === 'delivered'), 30_000);
    await ben.messenger.conversations.sendText(catId, 'welcome');
    await eventually(() => cat.inbox.some((m) => m.text === 'welcome'), 30_000);
  }, 120_000);
});
