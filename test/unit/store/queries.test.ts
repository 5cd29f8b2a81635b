import { describe, expect, it } from 'vitest';
import { asInserted, type NewMessage } from '../../../src/main/store/messages';
import { STORE_EXPIRY_BATCH } from '../../../src/shared/constants';
import { conv, rawKeyStore } from '../../support/storeFixture';

const msg = (i: number, c = 'c1', extra: Partial<NewMessage> = {}): NewMessage => ({
  id: `m${String(i).padStart(5, '0')}`, conversationId: c, sender: 'peer', direction: 'in', body: `message number ${i}`,
  sentAt: 1000 + Math.floor(i / 3), receivedAt: 2000 + i, state: 'delivered', ...extra,
});

describe('queries', () => {
  it('pages back through a conversation by (sentAt, id) with no gaps or repeats, even with equal timestamps', async () => {
    const { store } = await rawKeyStore();
    store.messages.upsertConversation(conv('c1'));
    store.messages.upsertConversation(conv('c2'));
    store.messages.insertMany(Array.from({ length: 137 }, (_, i) => msg(i)));
    store.messages.insert(msg(9999, 'c2'));
    const seen: string[] = [];
    let page = store.messages.page('c1', 50);
    while (page.length > 0) {
      seen.unshift(...page.map((m) => m.id));
      const first = page[0]!;
      page = store.messages.page('c1', 50, { at: first.sentAt, id: first.id });
    }
    expect(seen).toEqual(Array.from({ length: 137 }, (_, i) => msg(i).id));
    expect(() => store.messages.insert({ ...msg(500), direction: 'sideways' as 'in' })).toThrow(expect.objectContaining({ code: 'STORE_BAD_INPUT' }) as Error);
    expect(() => store.messages.insert({ ...msg(501), sentAt: Number.NaN })).toThrow(expect.objectContaining({ code: 'STORE_BAD_INPUT' }) as Error);
    expect(store.messages.get(msg(500).id)).toBeNull();
    expect(() => store.messages.page('c1', 0)).toThrow(expect.objectContaining({ code: 'STORE_BAD_INPUT' }) as Error);
    store.close();
  });

  it('lists conversations newest first with keyset paging', async () => {
    const { store } = await rawKeyStore();
    for (let i = 0; i < 5; i++) {
      store.messages.upsertConversation(conv(`c${i}`));
      store.messages.insert(msg(i, `c${i}`, { sentAt: 100 * (5 - i) }));
    }
    const first = store.messages.listConversations(2);
    expect(first.map((c) => c.id)).toEqual(['c0', 'c1']);
    const last = first[1]!;
    expect(store.messages.listConversations(10, { at: last.lastMessageAt, id: last.id }).map((c) => c.id)).toEqual(['c2', 'c3', 'c4']);
    store.close();
  });

  it('searches across conversations ignoring case and diacritics, by word and by phrase, treating operators as text', async () => {
    const { store } = await rawKeyStore();
    store.messages.upsertConversation(conv('c1'));
    store.messages.upsertConversation(conv('c2'));
    store.messages.insert(msg(1, 'c1', { body: 'Le Café Fermé ce soir' }));
    store.messages.insert(msg(2, 'c2', { body: 'cafe fermé today' }));
    store.messages.insert(msg(3, 'c2', { body: 'nothing here NEAR OR AND' }));
    expect(store.messages.search('CAFÉ', 10).map((m) => m.id).sort()).toEqual([msg(1).id, msg(2).id]);
    expect(store.messages.search('cafe ferme', 10, true).map((m) => m.id).sort()).toEqual([msg(1).id, msg(2).id]);
    expect(store.messages.search('ferme cafe', 10, true)).toEqual([]);
    expect(store.messages.search('OR', 10).map((m) => m.id)).toEqual([msg(3).id]);
    expect(store.messages.search('"unbalanced', 10)).toEqual([]);
    expect(() => store.messages.search('   ', 10)).toThrow(expect.objectContaining({ code: 'STORE_BAD_INPUT' }) as Error);
    store.messages.edit(msg(3).id, 'edited text', 5);
    expect(store.messages.search('nothing', 10)).toEqual([]);
    expect(store.messages.search('edited', 10)).toHaveLength(1);
    store.close();
  });

  it('counts unread incoming messages and clears them when read', async () => {
    const { store } = await rawKeyStore();
    store.messages.upsertConversation(conv('c1'));
    store.messages.insertMany(Array.from({ length: 10 }, (_, i) => msg(i, 'c1', i % 2 ? { direction: 'out', state: 'sent' } : {})));
    expect(store.messages.unreadCount('c1')).toBe(5);
    const upTo = msg(4);
    expect(store.messages.markRead('c1', { at: upTo.sentAt, id: upTo.id })).toBe(3);
    expect(store.messages.unreadCounts().get('c1')).toBe(2);
    store.close();
  });

  it('summarises the conversation list with each newest message and unread count, exactly as the per-conversation reads give them', async () => {
    const { store } = await rawKeyStore();
    for (let c = 0; c < 6; c++) store.messages.upsertConversation(conv(`c${c}`));
    // c0..c4 get messages (same timestamps within one, mixed directions); c5 stays empty.
    for (let c = 0; c < 5; c++) {
      store.messages.insertMany(Array.from({ length: 7 }, (_, i) => msg(c * 100 + i, `c${c}`, { sentAt: 5000 - c * 10 + Math.floor(i / 2), ...(i % 3 === 0 ? { direction: 'out' as const, state: 'sent' as const } : {}) })));
    }
    store.messages.eraseBody(msg(206).id, 9);
    store.messages.markRead('c3', { at: 9_999_999, id: 'zzz' });
    const summaries = store.messages.conversationSummaries(10);
    const unread = store.messages.unreadCounts();
    expect(summaries).toEqual(
      store.messages.listConversations(10).map((c) => {
        const last = store.messages.page(c.id, 1)[0];
        return { ...c, unread: unread.get(c.id) ?? 0, last: last ? { body: last.body, sentAt: last.sentAt, direction: last.direction, deleted: last.deletedAt !== null } : null };
      }),
    );
    expect(summaries.map((c) => c.id)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'c5']);
    expect(summaries.find((c) => c.id === 'c2')!.last!.deleted).toBe(true);
    expect(summaries.find((c) => c.id === 'c3')!.unread).toBe(0);
    expect(summaries.find((c) => c.id === 'c5')!.last).toBeNull();
    store.close();
  });

  it('describes a new message exactly as the store reads it back after the insert (what a send returns without reading)', async () => {
    const { store } = await rawKeyStore();
    store.messages.upsertConversation(conv('c1'));
    const sent: NewMessage[] = [
      msg(1),
      msg(2, 'c1', { direction: 'out', sender: 'me', state: 'queued', replyTo: msg(1).id, expiresAt: 99_000 }),
      msg(3, 'c1', { direction: 'out', sender: 'me', state: 'queued', kind: 'undecryptable' }),
    ];
    for (const m of sent) store.messages.insert(m);
    for (const m of sent) expect(asInserted(m)).toEqual(store.messages.get(m.id));
    store.close();
  });

  it('reads many messages by id in one statement, leaving out ids that do not exist', async () => {
    const { store } = await rawKeyStore();
    store.messages.upsertConversation(conv('c1'));
    store.messages.insertMany(Array.from({ length: 5 }, (_, i) => msg(i)));
    expect(store.messages.getMany([msg(3).id, 'missing', msg(1).id]).map((m) => m.id).sort()).toEqual([msg(1).id, msg(3).id]);
    expect(store.messages.getMany([])).toEqual([]);
    store.close();
  });

  it('expires disappearing messages past their deadline, with their search rows, in batches', async () => {
    const { store } = await rawKeyStore();
    let now = 10_000;
    store.messages.upsertConversation(conv('c1'));
    const n = STORE_EXPIRY_BATCH + 20;
    store.messages.insertMany(Array.from({ length: n }, (_, i) => msg(i, 'c1', { body: `vanishing ${i}`, expiresAt: 20_000 })));
    store.messages.insert(msg(n, 'c1', { body: 'vanishing later', expiresAt: 30_000 }));
    store.messages.insert(msg(n + 1, 'c1', { body: 'vanishing never' }));
    expect(store.messages.expire(now)).toBe(0);
    now = 20_000;
    expect(store.messages.expire(now)).toBe(STORE_EXPIRY_BATCH);
    const rest = store.messages.expireByConversation(now);
    expect([...rest.keys()]).toEqual(['c1']);
    expect(rest.get('c1')).toHaveLength(n - STORE_EXPIRY_BATCH);
    expect(store.messages.expire(now)).toBe(0);
    expect(store.messages.search('vanishing', 200).map((m) => m.body).sort()).toEqual(['vanishing later', 'vanishing never']);
    expect(store.db.prepare(`SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'vanishing'`).pluck().get()).toBe(2);
    expect(store.messages.nextExpiry()).toBe(30_000);
    store.close();
  });
});
