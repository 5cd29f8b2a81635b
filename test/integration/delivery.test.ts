/**
 * Nothing is lost: the session layer on a real relay and real store files.
 * Mutual adds and simultaneous first messages deliver everything; a message
 * that does not decrypt leaves a placeholder, asks its sender again and is
 * repaired in place; edits and deletes that overtake their message still
 * apply (test/unit/chat/effects.test.ts); a message nobody confirms shows "not delivered" and can be retried.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerDevice, startTestRelay } from '../support/relayHarness';
import { createUser, eventually, reopen, type TestUser } from '../support/chatHarness';
import { Messenger } from '../../src/main/messenger/messenger';
import { TEST_PASSPHRASE, TEST_PWHASH, profileDir } from '../support/chatHarness';
import { startHostileRelay } from '../support/hostileRelay';

let relay: Awaited<ReturnType<typeof startTestRelay>>;
const open: TestUser[] = [];

async function user(name: string): Promise<TestUser> {
  const u = await createUser(name, relay.url);
  open.push(u);
  return u;
}

const texts = (u: TestUser, peer: TestUser) => u.messenger.conversations.history(peer.messenger.keys.accountId, 100).filter((m) => m.kind === 'text').map((m) => m.body);

beforeAll(async () => {
  relay = await startTestRelay();
});

afterAll(async () => {
  for (const u of open) await u.messenger.close().catch(() => undefined);
  await relay?.close();
});

describe('one checked path for every message', () => {
  it('delivers the first message after both sides added each other', async () => {
    const ann = await user('Ann Mutual');
    const ben = await user('Ben Mutual');
    await Promise.all([ann.messenger.contacts.add(ben.messenger.account.invite(), 'Ben'), ben.messenger.contacts.add(ann.messenger.account.invite(), 'Ann')]);
    const sent = await ann.messenger.conversations.sendText(ben.messenger.keys.accountId, 'first after a mutual add');
    await eventually(() => ben.inbox.find((m) => m.id === sent.id));
    await eventually(() => ann.messenger.store.messages.get(sent.id)?.state === 'delivered');
  });

  it('delivers a message written while the other side was closed and then added us back', async () => {
    const ann = await user('Ann Offline');
    const ben = await user('Ben Offline');
    await ann.messenger.contacts.add(ben.messenger.account.invite(), 'Ben');
    const invite = ann.messenger.account.invite();
    await ben.messenger.close();
    const sent = await ann.messenger.conversations.sendText(ben.messenger.keys.accountId, 'written while you were away');
    await reopen(ben);
    await ben.messenger.contacts.add(invite, 'Ann').catch(() => undefined);
    await eventually(() => ben.inbox.find((m) => m.id === sent.id), 20_000);
    await eventually(() => ann.messenger.store.messages.get(sent.id)?.state === 'delivered', 20_000);
  });

  it('delivers everything when both send first, before either has received', async () => {
    const ann = await user('Ann Both');
    const ben = await user('Ben Both');
    await Promise.all([ann.messenger.contacts.add(ben.messenger.account.invite(), 'Ben'), ben.messenger.contacts.add(ann.messenger.account.invite(), 'Ann')]);
    const a = ann.messenger.keys.accountId;
    const b = ben.messenger.keys.accountId;
    const sent = await Promise.all([
      ann.messenger.conversations.sendText(b, 'ann 1'), ben.messenger.conversations.sendText(a, 'ben 1'), ann.messenger.conversations.sendText(b, 'ann 2'), ben.messenger.conversations.sendText(a, 'ben 2'),
      ann.messenger.conversations.sendText(b, 'ann 3'), ben.messenger.conversations.sendText(a, 'ben 3'),
    ]);
    await eventually(() => texts(ben, ann).filter((t) => t.startsWith('ann')).length === 3 && texts(ann, ben).filter((t) => t.startsWith('ben')).length === 3, 20_000);
    await eventually(() => sent.every((m) => ['delivered', 'read'].includes((m.sender === a ? ann : ben).messenger.store.messages.get(m.id)!.state)), 20_000);
    expect(ann.messenger.conversations.history(b, 50).some((m) => m.kind === 'undecryptable')).toBe(false);
  });

  it('repairs a message that did not decrypt: placeholder first, then the text in its place', async () => {
    const ann = await user('Ann Repair');
    const ben = await user('Ben Repair');
    const placeholders: string[] = [];
    const benInvite = ben.messenger.account.invite();
    await ben.messenger.close();
    await ann.messenger.contacts.add(benInvite, 'Ben');
    // Ben loses his session with Ann (a restored old copy, say): Ann's next message cannot decrypt there.
    ben.messenger = await Messenger.open({ dir: ben.dir, passphrase: TEST_PASSPHRASE, events: { incomingText: (m) => ben.inbox.push(m), undecryptable: (u) => placeholders.push(u.id) } });
    await eventually(() => ben.messenger.contacts.list().length === 1);
    await ann.messenger.conversations.sendText(ben.messenger.keys.accountId, 'hello before the break');
    await eventually(() => ben.inbox.length === 1);
    ben.messenger.store.protocol.deleteSessionSync({ accountId: ann.messenger.keys.accountId, deviceId: ann.messenger.keys.deviceId });
    const lost = await ann.messenger.conversations.sendText(ben.messenger.keys.accountId, 'this one needs a repair');
    await eventually(() => placeholders.length === 1);
    await eventually(() => ben.inbox.find((m) => m.id === lost.id), 20_000);
    const rows = ben.messenger.conversations.history(ann.messenger.keys.accountId, 10);
    expect(rows.map((m) => m.kind)).toEqual(['text', 'text']);
    expect(rows.find((m) => m.id === lost.id)?.body).toBe('this one needs a repair');
    await eventually(() => ann.messenger.store.messages.get(lost.id)?.state === 'delivered');
  });

  it('shows "not delivered" when nobody confirms in time, and sends again on retry', async () => {
    const ann = await user('Ann Deadline');
    const ben = await user('Ben Deadline');
    await ann.messenger.contacts.add(ben.messenger.account.invite(), 'Ben');
    await eventually(() => ben.messenger.contacts.list().length === 1);
    await ben.messenger.close();
    await ann.messenger.close();
    ann.messenger = await Messenger.open({ dir: ann.dir, passphrase: TEST_PASSPHRASE, deliveryDeadlineMs: 1 });
    await ann.messenger.waitOnline();
    const sent = await ann.messenger.conversations.sendText(ben.messenger.keys.accountId, 'are you there?');
    await new Promise((r) => setTimeout(r, 5));
    ann.messenger.conversations.checkDeliveries();
    expect(ann.messenger.store.messages.get(sent.id)?.state).toBe('failed');
    await reopen(ben);
    const again = await ann.messenger.conversations.retryMessage(sent.id);
    expect(['queued', 'sent', 'delivered']).toContain(again.state);
    await eventually(() => ann.messenger.store.messages.get(sent.id)?.state === 'delivered', 20_000);
    expect(ben.messenger.conversations.history(ann.messenger.keys.accountId, 10).filter((m) => m.id === sent.id)).toHaveLength(1);
  });

  it('refuses a bundle the relay serves for another device, makes no session, and keeps the message to send later', async () => {
    const ben = await user('Ben Target');
    const cat = await user('Cat Decoy');
    const hostile = await startHostileRelay(relay.url);
    const dir = profileDir();
    const ann = { dir, inbox: [], phrase: '', messenger: (await Messenger.create({ dir, displayName: 'Ann Proxied', relayUrl: hostile.url, passphrase: TEST_PASSPHRASE, pwhash: TEST_PWHASH })).messenger };
    open.push(ann);
    await ann.messenger.waitOnline();
    // Cat's genuine, validly signed bundle, to serve in place of Ben's.
    const spare = await registerDevice(relay.url);
    const catBundle = await spare.client.fetchBundle(cat.messenger.keys.accountId, cat.messenger.keys.deviceId);
    await spare.client.close();
    const asked = new Set<number>();
    hostile.up = (f) => {
      const m = JSON.parse(f) as { type?: string; id?: number; deviceId?: string };
      if (m.type === 'fetchBundle' && m.deviceId === ben.messenger.keys.deviceId && m.id !== undefined) asked.add(m.id);
      return f;
    };
    let swapped = 0;
    hostile.down = (f) => {
      const m = JSON.parse(f) as { type?: string; id?: number; ok?: boolean };
      if (m.type === 'response' && m.ok && m.id !== undefined && asked.has(m.id)) {
        swapped++;
        return JSON.stringify({ ...m, body: catBundle });
      }
      return f;
    };
    await ann.messenger.contacts.add(ben.messenger.account.invite(), 'Ben');
    const sent = await ann.messenger.conversations.sendText(ben.messenger.keys.accountId, 'for Ben only');
    expect(swapped).toBeGreaterThan(0);
    const benAddress = { accountId: ben.messenger.keys.accountId, deviceId: ben.messenger.keys.deviceId };
    expect(ann.messenger.store.protocol.loadSessionSync(benAddress)).toBeNull();
    expect(ann.messenger.store.audit.list(50).some((r) => r.kind === 'session.failed' && r.detail.reason === 'SESSION_BAD_BUNDLE')).toBe(true);
    expect(cat.inbox).toHaveLength(0);
    // Once the relay stops lying, the waiting message goes out and arrives.
    hostile.down = (f) => f;
    await ann.messenger.close();
    await hostile.close();
    await reopen(ann, relay.url);
    await eventually(() => ben.inbox.find((m) => m.id === sent.id), 40_000);
  }, 90_000);
});
