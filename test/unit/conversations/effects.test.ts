/**
 * Conversation content applied in any order (src/main/conversations/effects.ts), on a
 * real store file: edits, deletes, reactions and receipts that arrive before
 * their message wait, bounded, and apply when it lands; a delete still wins.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SyncedContent } from '../../../src/shared/wire/content';
import { applyConversationContent, type EffectSource } from '../../../src/main/conversations/effects';
import type { ChatContext } from '../../../src/main/conversations/context';
import type { LocalStore } from '../../../src/main/store';
import { PENDING_EFFECT_TTL_MS } from '../../../src/shared/constants';
import { rawKeyStore } from '../../support/storeFixture';

const ME = 'M'.repeat(43);
const ANN = 'A'.repeat(43);
const MALLORY = 'Z'.repeat(43);
const ID = 'msg-0000000000000001';
let store: LocalStore;
let ctx: ChatContext;

const from = (author: string): EffectSource => ({ conversationId: ANN, author, fromDevice: 'd'.repeat(43), receivedAt: 1_000 });
const text: SyncedContent = { v: 1, type: 'text', id: ID, text: 'the original', sentAt: 10, replyTo: null, expireSeconds: null, attachment: null };
const apply = (c: SyncedContent, author = ANN) => applyConversationContent(ctx, from(author), c, new Set());

beforeEach(async () => {
  store = (await rawKeyStore()).store;
  store.messages.upsertConversation({ id: ANN, kind: 'direct', peerAccountId: ANN, title: 'Ann', expireTimerMs: null });
  ctx = { store, keys: { accountId: ME } } as unknown as ChatContext;
});

afterEach(() => store.close());

describe('content that overtakes its message', () => {
  it('applies an edit that arrived first once the message lands', () => {
    apply({ v: 1, type: 'edit', target: ID, text: 'the edit', sentAt: 20 });
    expect(store.messages.get(ID)).toBeNull();
    apply(text);
    expect(store.messages.get(ID)).toMatchObject({ body: 'the edit', editedAt: 20 });
  });

  it('lets a delete that arrived first win over the late text and a later edit', () => {
    apply({ v: 1, type: 'delete', target: ID, sentAt: 30 });
    apply({ v: 1, type: 'edit', target: ID, text: 'sneaky edit', sentAt: 20 });
    apply(text);
    expect(store.messages.get(ID)).toMatchObject({ body: '', deletedAt: 30 });
  });

  it('keeps the latest edit when an older edit arrives after it, and does not report the older one', () => {
    apply(text);
    apply({ v: 1, type: 'edit', target: ID, text: 'the second edit', sentAt: 30 });
    const changed = new Set<string>();
    applyConversationContent(ctx, from(ANN), { v: 1, type: 'edit', target: ID, text: 'the first edit', sentAt: 20 }, changed);
    expect(store.messages.get(ID)).toMatchObject({ body: 'the second edit', editedAt: 30 });
    expect(changed.size).toBe(0);
    expect(store.receivedEvents.since(0, 100).filter((e) => e.type === 'edit').map((e) => (e as { text: string }).text)).toEqual(['the second edit']);
  });

  it('keeps a reaction for the message it was meant for', () => {
    apply({ v: 1, type: 'reaction', target: ID, emoji: '👍', sentAt: 20 });
    apply(text);
    expect(store.reactions.forMessage(ID).map((r) => r.emoji)).toEqual(['👍']);
  });

  it('does not let someone else edit or delete a message through the waiting queue', () => {
    apply({ v: 1, type: 'delete', target: ID, sentAt: 30 }, MALLORY);
    apply(text);
    expect(store.messages.get(ID)).toMatchObject({ body: 'the original', deletedAt: null });
  });

  it('upgrades our own message with a receipt that came before its transcript', () => {
    applyConversationContent(ctx, from(ANN), { v: 1, type: 'receipt', kind: 'read', targets: [ID], sentAt: 40 }, new Set());
    applyConversationContent(ctx, from(ME), text, new Set());
    expect(store.messages.get(ID)).toMatchObject({ direction: 'out', state: 'read' });
  });

  it('forgets waiting effects past their age bound', () => {
    apply({ v: 1, type: 'delete', target: ID, sentAt: 30 });
    store.repairs.prune(Date.now() + PENDING_EFFECT_TTL_MS + 1);
    apply(text);
    expect(store.messages.get(ID)?.deletedAt).toBeNull();
  });
});

describe('the received-events outbox', () => {
  const events = () => store.receivedEvents.since(0, 100).map(({ seq: _seq, receivedAt: _at, conversationId: _c, ...e }) => e);

  it('records what a contact did once it applies, in order, and not our own transcripts', () => {
    apply(text);
    apply({ v: 1, type: 'edit', target: ID, text: 'the edit', sentAt: 20 });
    apply({ v: 1, type: 'reaction', target: ID, emoji: '🎉', sentAt: 21 });
    apply({ v: 1, type: 'reaction', target: ID, emoji: null, sentAt: 22 });
    apply({ v: 1, type: 'timer', expireSeconds: 60, sentAt: 23 });
    apply({ v: 1, type: 'reaction', target: ID, emoji: '👀', sentAt: 24 }, ME);
    expect(events()).toEqual([
      { type: 'edit', sender: ANN, target: ID, text: 'the edit' },
      { type: 'reaction', sender: ANN, target: ID, emoji: '🎉' },
      { type: 'reaction', sender: ANN, target: ID, emoji: null },
      { type: 'timer', sender: ANN, seconds: 60 },
    ]);
  });

  it('records an effect that waited for its message only when the message lands', () => {
    apply({ v: 1, type: 'reaction', target: ID, emoji: '👍', sentAt: 20 });
    expect(events()).toEqual([]);
    apply(text);
    expect(events()).toEqual([{ type: 'reaction', sender: ANN, target: ID, emoji: '👍' }]);
  });

  it('reports a receipt only for our own messages it confirms', () => {
    applyConversationContent(ctx, from(ME), text, new Set());
    apply({ v: 1, type: 'receipt', kind: 'read', targets: [ID], sentAt: 40 });
    expect(events()).toEqual([{ type: 'receipt', sender: ANN, kind: 'read', targets: [ID] }]);
  });

  it('forgets an edit’s text when the message is deleted for everyone, and every event when it is deleted here', () => {
    apply(text);
    apply({ v: 1, type: 'edit', target: ID, text: 'secret second thought', sentAt: 20 });
    apply({ v: 1, type: 'delete', target: ID, sentAt: 30 });
    expect(events()).toEqual([{ type: 'delete', sender: ANN, target: ID }]);
    store.messages.delete(ID);
    expect(events()).toEqual([]);
  });
});
