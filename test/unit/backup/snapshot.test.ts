import { describe, expect, it } from 'vitest';
import { currentChangeSeq, exportChanges, pruneChanges } from '../../../src/main/snapshot/changes';
import {
  applyTombstones, exportMessages, exportState, importMessages, importState, type AccountState, type MessageRecord,
} from '../../../src/main/snapshot/snapshot';
import { rawKeyStore } from '../../support/storeFixture';
import { CANARY, allMessages, keyId, msgId, seedStore } from './seed';

const NOW = 1_700_000_000_000;
const history = (store: Parameters<typeof exportState>[0], opts = {}): MessageRecord[] => [...exportMessages(store, { now: NOW, ...opts })].flat();
/** Index hits for a word, after indexing what waits (new messages are indexed after their commit, as search does first). */
const fts = (store: Parameters<typeof exportState>[0], word: string): number => {
  store.searchIndex.flush();
  return store.db.prepare('SELECT count(*) FROM messages_fts WHERE messages_fts MATCH ?').pluck().get(`"${word}"`) as number;
};

async function seededPair() {
  const { store: source } = await rawKeyStore();
  const seeded = seedStore(source, NOW);
  const { store: target } = await rawKeyStore();
  target.directory.setAccount(seeded.accountId, 'placeholder', new Uint8Array([9]));
  return { source, target, seeded };
}

describe('snapshot export and import', () => {
  it('exports the account state with contacts, trust, devices, conversations and only the syncable settings', async () => {
    const { source, seeded } = await seededPair();
    const state = exportState(source);
    expect(state.accountId).toBe(seeded.accountId);
    expect(state.displayName).toBe(CANARY.ownName);
    const bob = state.contacts.find((c) => c.accountId === seeded.bob)!;
    expect(bob).toMatchObject({ name: CANARY.contactName, trust: 'verified', relayUrl: 'ws://relay.example:8787', pendingAccountId: null });
    expect(bob.devices).toHaveLength(2);
    expect(state.contacts.find((c) => c.accountId === seeded.zoe)).toMatchObject({ trust: 'changed', devices: [seeded.zoe] });
    expect(state.conversations.find((c) => c.id === seeded.zoe)).toMatchObject({ archived: true, expireTimerMs: 3_600_000 });
    expect(state.settings).toEqual([{ key: 'privacy.readReceipts', value: '0' }, { key: 'relay.url', value: 'ws://relay.example:8787' }]);
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
  });

  it('exports history in (sentAt, id) order in bounded chunks, without expired or locally deleted messages', async () => {
    const { source, seeded } = await seededPair();
    const chunks = [...exportMessages(source, { now: NOW, chunkSize: 2 })];
    expect(chunks.map((c) => c.length)).toEqual([2, 2]);
    const ids = chunks.flat().map((m) => m.id);
    expect(ids).toEqual([seeded.ids.hello, seeded.ids.edited, seeded.ids.deletedForAll, seeded.ids.reply]);
    const byId = new Map(chunks.flat().map((m) => [m.id, m]));
    expect(byId.get(seeded.ids.deletedForAll)).toMatchObject({ body: '', deletedAt: NOW - 1900 });
    expect(byId.get(seeded.ids.edited)).toMatchObject({ body: CANARY.edited, editedAt: NOW - 2000, direction: 'out', state: 'read' });
    expect(byId.get(seeded.ids.hello)!.reactions).toHaveLength(2);
    expect(byId.get(seeded.ids.reply)).toMatchObject({ replyTo: seeded.ids.hello, expiresAt: NOW + 3_600_000 });
    expect(history(source, { sinceMs: NOW - 2800 }).map((m) => m.id)).toEqual([seeded.ids.deletedForAll, seeded.ids.reply]);
  });

  it('restores contacts, trust, settings and history into another store with the same values', async () => {
    const { source, target } = await seededPair();
    target.db.transaction(() => {
      importState(target, exportState(source));
      importMessages(target, history(source), NOW);
    })();
    expect(exportState(target)).toEqual(exportState(source));
    expect(history(target)).toEqual(history(source));
    expect(target.directory.setting('relay.registered')).toBeNull();
    expect(fts(target, CANARY.edited)).toBe(1);
    expect(fts(target, 'draft')).toBe(0);
    source.messages.expire(NOW);
    expect(target.messages.unreadCounts()).toEqual(source.messages.unreadCounts());
  });

  it('is idempotent: importing the same snapshot again writes nothing and keeps search consistent', async () => {
    const { source, target } = await seededPair();
    const state = exportState(source);
    const records = history(source);
    importState(target, state);
    expect(importMessages(target, records, NOW)).toMatchObject({ written: 4, unchanged: 0 });
    const seq = currentChangeSeq(target);
    const rows = allMessages(target);
    importState(target, state);
    expect(importMessages(target, records, NOW)).toMatchObject({ written: 0, unchanged: 4 });
    expect(currentChangeSeq(target)).toBe(seq);
    expect(allMessages(target)).toEqual(rows);
    expect(fts(target, CANARY.text)).toBe(1);
    expect(target.db.prepare(`INSERT INTO messages_fts(messages_fts, rank) VALUES ('integrity-check', 1)`).run()).toBeTruthy();
  });

  it('updates a message already present instead of duplicating it, and replaces its reactions', async () => {
    const { source, target, seeded } = await seededPair();
    importState(target, exportState(source));
    importMessages(target, history(source), NOW);
    const hello = history(source).find((m) => m.id === seeded.ids.hello)!;
    importMessages(target, [{ ...hello, body: 'hello again', editedAt: NOW, reactions: [{ sender: seeded.bob, emoji: '❤️', reactedAt: NOW }] }], NOW);
    expect(target.db.prepare('SELECT count(*) FROM messages WHERE id = ?').pluck().get(hello.id)).toBe(1);
    expect(target.messages.get(hello.id)).toMatchObject({ body: 'hello again', editedAt: NOW });
    expect(target.reactions.forMessage(hello.id).map((r) => r.emoji)).toEqual(['❤️']);
    expect(fts(target, CANARY.text)).toBe(0);
    expect(fts(target, 'again')).toBe(1);
  });

  it('drops a record that expired in transit and deletes the copy already present', async () => {
    const { source, target, seeded } = await seededPair();
    importState(target, exportState(source));
    importMessages(target, history(source), NOW);
    const reply = history(source).find((m) => m.id === seeded.ids.reply)!;
    expect(importMessages(target, [reply], reply.expiresAt! + 1)).toMatchObject({ expired: 1, written: 0 });
    expect(target.messages.get(reply.id)).toBeNull();
  });

  it('applies tombstones: a message deleted at the source is removed with its search row', async () => {
    const { source, target, seeded } = await seededPair();
    importState(target, exportState(source));
    importMessages(target, history(source), NOW);
    expect(applyTombstones(target, [seeded.ids.hello, msgId()])).toBe(1);
    expect(target.messages.get(seeded.ids.hello)).toBeNull();
    expect(fts(target, CANARY.text)).toBe(0);
  });

  it('refuses malformed input with SNAPSHOT_MALFORMED and writes nothing', async () => {
    const { source, target } = await seededPair();
    const state = exportState(source);
    const records = history(source);
    const seq = currentChangeSeq(target);
    const bad: unknown[] = [
      { ...state, extra: 1 },
      { ...state, contacts: [{ ...state.contacts[0]!, trust: 'trusted' }] },
      { ...state, contacts: [{ ...state.contacts[0]!, devices: ['not-a-key'] }] },
      { ...state, settings: [{ key: 'store.sealKeyId', value: 'x' }] },
      { ...state, settings: [{ key: 'relay.registered', value: '1' }] },
      { ...state, conversations: [{ ...state.conversations[0]!, expireTimerMs: -5 }] },
      null,
    ];
    for (const input of bad) expect(() => importState(target, input)).toThrow(expect.objectContaining({ code: 'SNAPSHOT_MALFORMED' }) as Error);
    importState(target, state);
    const seqAfterState = currentChangeSeq(target);
    expect(seqAfterState).toBeGreaterThan(seq);
    const badRecords: unknown[] = [
      [...records, { ...records[0]!, state: 'teleported' }],
      [{ ...records[0]!, body: 'x'.repeat(70_000) }],
      [{ ...records[0]!, sentAt: -1 }],
      [JSON.parse(JSON.stringify(records[0]).replace('{', '{"__proto__":{"polluted":true},')) as unknown],
      [{ ...records[0]!, reactions: [{ sender: 'a', emoji: '', reactedAt: 1 }] }],
      'not a list',
    ];
    for (const input of badRecords) expect(() => importMessages(target, input, NOW)).toThrow(expect.objectContaining({ code: 'SNAPSHOT_MALFORMED' }) as Error);
    expect(currentChangeSeq(target)).toBe(seqAfterState);
    expect(allMessages(target)).toEqual([]);
  });

  it('refuses messages of an unknown conversation and a state of another account, writing nothing', async () => {
    const { source, target } = await seededPair();
    const records = history(source);
    expect(() => importMessages(target, records, NOW)).toThrow(expect.objectContaining({ code: 'SNAPSHOT_UNKNOWN_CONVERSATION' }) as Error);
    expect(allMessages(target)).toEqual([]);
    const foreign: AccountState = { ...exportState(source), accountId: keyId() };
    expect(() => importState(target, foreign)).toThrow(expect.objectContaining({ code: 'SNAPSHOT_ACCOUNT_MISMATCH' }) as Error);
    expect(exportState(target).contacts).toEqual([]);
  });

  it('reports what changed after a cursor: current records once, and tombstones for deleted or expired ids', async () => {
    const { store } = await rawKeyStore();
    const seeded = seedStore(store, NOW);
    const all = [...exportChanges(store, 0, currentChangeSeq(store), { now: NOW })];
    expect(all.flatMap((c) => c.records).map((r) => r.id).sort()).toEqual([seeded.ids.hello, seeded.ids.edited, seeded.ids.deletedForAll, seeded.ids.reply].sort());
    expect(all.flatMap((c) => c.tombstones).sort()).toEqual([seeded.ids.localDeleted, seeded.ids.expired].sort());

    const cursor = currentChangeSeq(store);
    store.messages.insert({ id: msgId(), conversationId: seeded.bob, sender: seeded.bob, direction: 'in', body: 'new one', sentAt: NOW, receivedAt: NOW, state: 'delivered' });
    store.messages.delete(seeded.ids.hello);
    store.reactions.set({ messageId: seeded.ids.edited, sender: seeded.bob, emoji: '🔥', reactedAt: NOW });
    const next = [...exportChanges(store, cursor, currentChangeSeq(store), { now: NOW, chunkSize: 1 })];
    expect(next).toHaveLength(3);
    expect(next.flatMap((c) => c.records).map((r) => r.body)).toEqual(['new one', CANARY.edited]);
    expect(next.flatMap((c) => c.tombstones)).toEqual([seeded.ids.hello]);
    expect([...exportChanges(store, currentChangeSeq(store), currentChangeSeq(store))]).toEqual([]);

    // Pruning up to the cursor keeps exactly what changed after it.
    const entries = (where: string) => store.db.prepare(`SELECT count(*) FROM message_change_log WHERE ${where}`).pluck().get(cursor) as number;
    const [atOrBelow, above] = [entries('seq <= ?'), entries('seq > ?')];
    expect(atOrBelow).toBeGreaterThanOrEqual(6); // at least one entry for each of the six seeded ids
    expect(pruneChanges(store, cursor)).toBe(atOrBelow);
    expect(store.db.prepare('SELECT count(*) FROM message_change_log').pluck().get()).toBe(above);
    const left = [...exportChanges(store, 0, currentChangeSeq(store), { now: NOW })];
    expect(left.flatMap((c) => c.tombstones)).toEqual([seeded.ids.hello]);
    expect(left.flatMap((c) => c.records).map((r) => r.body)).toEqual(['new one', CANARY.edited]);
  });

  it('reports an id changed many times in its range once, in chunks cut anywhere, and the next run from where it stopped', async () => {
    const { store } = await rawKeyStore();
    const seeded = seedStore(store, NOW);
    const cursor = currentChangeSeq(store);
    const id = msgId();
    store.messages.insert({ id, conversationId: seeded.bob, sender: seeded.bob, direction: 'in', body: 'changing', sentAt: NOW, receivedAt: NOW, state: 'delivered' });
    for (const emoji of ['👍', '🔥', '🎉']) store.reactions.set({ messageId: id, sender: seeded.bob, emoji, reactedAt: NOW });
    store.reactions.set({ messageId: seeded.ids.reply, sender: seeded.bob, emoji: '👀', reactedAt: NOW });
    const upTo = currentChangeSeq(store);
    expect(store.db.prepare('SELECT count(*) FROM message_change_log WHERE seq > ?').pluck().get(cursor)).toBeGreaterThanOrEqual(5);
    for (const chunkSize of [1, 2, 3, 500]) {
      const run = [...exportChanges(store, cursor, upTo, { now: NOW, chunkSize })];
      expect(run.flatMap((c) => c.records).map((r) => r.id), `chunks of ${chunkSize}`).toEqual([id, seeded.ids.reply]);
      expect(run.every((c) => c.records.length + c.tombstones.length > 0)).toBe(true);
    }
    // A change after the run's bound: reported by the next run (and, being current, by this one too).
    store.messages.delete(id);
    expect([...exportChanges(store, upTo, currentChangeSeq(store), { now: NOW })].flatMap((c) => c.tombstones)).toEqual([id]);
  });
});
