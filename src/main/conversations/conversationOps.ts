/**
 * Changes to messages that already exist — edits, deletes, reactions — and
 * the disappearing-message sweep and the context around a search hit. Each
 * change is made here and sent end to end to the conversation (our other
 * devices get it as a sync transcript).
 */
import type { Content } from '../../shared/wire/content';
import type { Message, NewMessage } from '../store';
import type { ChatContext } from './context';
import { ChatError } from '../account/errors';

/** What these operations need from the Messenger. */
export interface ConversationHost {
  readonly ctx: ChatContext;
  send(accountId: string, content: Content, message?: NewMessage): Promise<void>;
}

export function getMessage(ctx: ChatContext, messageId: string): Message {
  const m = ctx.store.messages.get(messageId);
  if (!m) throw new ChatError('CHAT_UNKNOWN_MESSAGE', 'That message no longer exists.');
  return m;
}

export function messagesChanged(ctx: ChatContext, conversationId: string, ids: readonly string[]): void {
  ctx.events.messagesChanged(conversationId, ids);
  ctx.events.conversationsChanged();
}

/** Edits one of our own messages here and on every recipient device. */
export async function editMessage(h: ConversationHost, messageId: string, text: string): Promise<Message> {
  const { ctx } = h;
  const m = getMessage(ctx, messageId);
  if (m.direction !== 'out' || m.deletedAt !== null) throw new ChatError('CHAT_NOT_OWN_MESSAGE', 'Only your own messages can be edited.');
  const now = Date.now();
  ctx.store.messages.edit(m.id, text, now);
  await h.send(m.conversationId, { v: 1, type: 'edit', target: m.id, text, sentAt: now });
  messagesChanged(ctx, m.conversationId, [m.id]);
  return getMessage(ctx, m.id);
}

/** Deletes a message here; for everyone (own messages only) also on the other side. */
export async function deleteMessage(h: ConversationHost, messageId: string, forEveryone: boolean): Promise<void> {
  const { ctx } = h;
  const m = getMessage(ctx, messageId);
  if (forEveryone) {
    if (m.direction !== 'out') throw new ChatError('CHAT_NOT_OWN_MESSAGE', 'Only your own messages can be deleted for everyone.');
    const now = Date.now();
    ctx.store.messages.eraseBody(m.id, now);
    await h.send(m.conversationId, { v: 1, type: 'delete', target: m.id, sentAt: now });
  } else {
    ctx.store.messages.delete(m.id);
  }
  ctx.store.checkpoint();
  messagesChanged(ctx, m.conversationId, [m.id]);
}

/** One reaction per person per message; null removes ours. */
export async function react(h: ConversationHost, messageId: string, emoji: string | null): Promise<Message> {
  const { ctx } = h;
  const m = getMessage(ctx, messageId);
  const now = Date.now();
  if (emoji === null) ctx.store.reactions.remove(m.id, ctx.keys.accountId);
  else ctx.store.reactions.set({ messageId: m.id, sender: ctx.keys.accountId, emoji, reactedAt: now });
  await h.send(m.conversationId, { v: 1, type: 'reaction', target: m.id, emoji, sentAt: now });
  messagesChanged(ctx, m.conversationId, [m.id]);
  return getMessage(ctx, m.id);
}

/** Deletes messages whose disappearing timer ran out (and their search rows); returns how many. */
export function expireMessages(ctx: ChatContext, now: number): number {
  const gone = ctx.store.messages.expireByConversation(now);
  if (gone.size === 0) return 0;
  ctx.store.checkpoint();
  let n = 0;
  for (const [c, ids] of gone) {
    n += ids.length;
    messagesChanged(ctx, c, ids);
  }
  return n;
}

/** The messages around one message (for jumping to a search hit). */
export function messageContext(ctx: ChatContext, messageId: string, limit: number): { conversationId: string; items: Message[] } {
  const m = getMessage(ctx, messageId);
  const half = Math.max(1, Math.floor(limit / 2));
  const older = ctx.store.messages.page(m.conversationId, half, { at: m.sentAt, id: m.id });
  const newer = ctx.store.messages.after(m.conversationId, { at: m.sentAt, id: m.id }, half);
  return { conversationId: m.conversationId, items: [...older, m, ...newer] };
}
