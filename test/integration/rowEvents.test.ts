/**
 * Row events from the app layer: the core's id-only notifications become
 * events that carry the changed rows, coalesced per event-loop turn. Real
 * profiles on SQLite files, a real relay on loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../src/main/app/core';
import { RowEvents } from '../../src/main/app/rowEvents';
import { conversationViews } from '../../src/main/app/views';
import { CoreEvents } from '../../src/main/app/events';
import type { EventName, EventPayload } from '../../src/shared/contract';
import { EVENT_MAX_MESSAGE_ROWS } from '../../src/shared/constants';
import { startTestRelay } from '../support/relayHarness';
import { eventually, profileDir, TEST_PASSPHRASE, TEST_PWHASH } from '../support/chatHarness';

let relay: Awaited<ReturnType<typeof startTestRelay>>;
let ann: Core;
let ben: Core;
const annEvents: { name: EventName; payload: unknown }[] = [];

const core = () => createCore({ identity: { name: 'Parley', version: '0', platform: 'linux' }, relayUrl: relay.url, dataDir: profileDir(), pwhash: TEST_PWHASH });
const turn = () => new Promise((r) => setImmediate(r));

/** A RowEvents over Ann's open messenger, with what it emits. */
function rowEvents(open = true) {
  const bus = new CoreEvents();
  const seen: { name: EventName; payload: unknown }[] = [];
  bus.subscribe((name, payload) => seen.push({ name, payload }));
  const rows = new RowEvents(bus, () => (open ? ann.session.messenger : null));
  const of = <K extends EventName>(name: K) => seen.filter((e) => e.name === name).map((e) => e.payload as EventPayload<K>);
  return { rows, seen, of };
}

/** Inserts `n` incoming rows into Ann's conversation with Ben; returns their ids. */
function seed(n: number, tag: string): string[] {
  const m = ann.session.require();
  const conversationId = m.contacts.list()[0]!.accountId;
  const at = Date.now();
  const rows = Array.from({ length: n }, (_, i) => ({ id: `seed-${tag}-${String(i).padStart(8, '0')}`, conversationId, sender: conversationId, direction: 'in' as const, body: `${tag} ${i}`, sentAt: at + i, receivedAt: at + i, state: 'delivered' as const }));
  m.store.messages.insertMany(rows);
  return rows.map((r) => r.id);
}

beforeAll(async () => {
  relay = await startTestRelay();
  ann = core();
  ben = core();
  ann.events.subscribe((name, payload) => annEvents.push({ name, payload }));
  await ann.session.create({ name: 'Anouk Vermeer', passphrase: TEST_PASSPHRASE, useKeychain: false });
  await ben.session.create({ name: 'Bastiaan Roos', passphrase: TEST_PASSPHRASE, useKeychain: false });
  await ann.session.require().waitOnline();
  await ben.session.require().waitOnline();
  await ben.session.require().contacts.add(ann.session.require().account.invite(), 'Anouk');
  await eventually(() => ann.session.require().contacts.list().length === 1);
  // The new contact's conversation row is pushed after the receive commits: wait for it, so the tests below see only their own events.
  await eventually(() => annEvents.some((e) => e.name === 'conversationsChanged' && (e.payload as { changed: { title: string }[] }).changed.some((c) => c.title === 'Bastiaan Roos')));
});

afterAll(async () => {
  await ann?.close();
  await ben?.close();
  await relay?.close();
});

describe('row events', () => {
  it('push an arriving message as its row and its conversation row, with no id-only event', async () => {
    annEvents.length = 0;
    await ben.session.require().conversations.sendText(ann.session.require().keys.accountId, 'Ferry leaves at six');
    const pushed = (await eventually(() => annEvents.find((e) => e.name === 'messagesChanged')?.payload as EventPayload<'messagesChanged'> | undefined))!;
    expect(pushed.messages.map((m) => [m.text, m.direction])).toEqual([['Ferry leaves at six', 'in']]);
    expect(pushed.reload).toBe(false);
    const list = (await eventually(() => annEvents.find((e) => e.name === 'conversationsChanged')?.payload as EventPayload<'conversationsChanged'> | undefined))!;
    expect(list.changed.map((c) => [c.title, c.unread, c.lastMessage?.text])).toEqual([['Bastiaan Roos', 1, 'Ferry leaves at six']]);
    expect(list.order).toEqual([list.changed[0]!.id]);
  });

  it('coalesce a burst of notifications in one turn into one event per conversation and one list event', async () => {
    const { rows, seen, of } = rowEvents();
    const ids = seed(12, 'burst');
    const conversationId = ann.session.require().contacts.list()[0]!.accountId;
    for (const id of ids) {
      rows.messagesChanged(conversationId, [id]);
      rows.conversationsChanged();
    }
    expect(seen).toEqual([]);
    await turn();
    expect(seen.map((e) => e.name)).toEqual(['messagesChanged', 'conversationsChanged']);
    expect(of('messagesChanged')[0]!.messages.map((m) => m.id).sort()).toEqual([...ids].sort());
  });

  it('name the ids that no longer exist as removed', async () => {
    const { rows, of } = rowEvents();
    const [kept, gone] = seed(2, 'expiring');
    ann.session.require().store.messages.delete(gone!);
    rows.messagesChanged(ann.session.require().contacts.list()[0]!.accountId, [kept!, gone!]);
    await turn();
    const e = of('messagesChanged')[0]!;
    expect(e.messages.map((m) => m.id)).toEqual([kept]);
    expect(e.removedIds).toEqual([gone]);
  });

  it('ask for a reload instead of pushing a burst larger than one event carries', async () => {
    const { rows, of } = rowEvents();
    rows.messagesChanged(ann.session.require().contacts.list()[0]!.accountId, seed(EVENT_MAX_MESSAGE_ROWS + 1, 'import'));
    await turn();
    expect(of('messagesChanged')).toEqual([{ conversationId: ann.session.require().contacts.list()[0]!.accountId, messages: [], removedIds: [], reload: true }]);
  });

  it('push only the conversation rows that changed since the last push, and nothing when none did', async () => {
    const { rows, of } = rowEvents();
    rows.conversationsChanged();
    await turn();
    const all = conversationViews(ann.session.require(), 10);
    expect(of('conversationsChanged')).toEqual([{ changed: all, order: all.map((c) => c.id), reload: false }]);
    rows.conversationsChanged();
    await turn();
    expect(of('conversationsChanged')).toHaveLength(1);
    await ann.session.require().conversations.markRead(all[0]!.id);
    rows.conversationsChanged();
    await turn();
    const second = of('conversationsChanged')[1]!;
    expect(second.changed.map((c) => c.unread)).toEqual([0]);
  });

  it('emit nothing while the session is locked', async () => {
    const { rows, seen } = rowEvents(false);
    rows.messagesChanged(ann.session.require().contacts.list()[0]!.accountId, seed(1, 'locked'));
    rows.conversationsChanged();
    rows.contactsChanged();
    await turn();
    expect(seen).toEqual([]);
  });
});
