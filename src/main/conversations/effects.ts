/**
 * Conversation content, applied the same way whoever sent it: a contact's
 * message, or a sync transcript of what this account did on another device.
 * One function for texts, edits, deletes, reactions, receipts and timers,
 * so the two receive paths cannot drift apart.
 *
 * Content may arrive before the message it refers to (another device's
 * transcript is late, a resend repaired the text after its edit came). An
 * edit, delete, reaction or receipt whose target is not here yet is held in
 * the store (bounded, expiring: PENDING_EFFECTS_MAX, PENDING_EFFECT_TTL_MS)
 * and applied, in arrival order, in the transaction that inserts the target.
 * A delete that came first therefore still wins over the late text.
 *
 * What a contact did (not our own transcripts) is also recorded in the
 * received-events outbox when it is applied, in the same transaction, so a
 * script's `receive` reports it once.
 */
import { encodeContent, parseContent, type SyncedContent } from '../../shared/wire/content';
import type { DeliveryState, Message, NewMessage, ReceivedEventBody } from '../store';
import type { ChatContext } from './context';

const RANK: Record<DeliveryState, number> = { failed: 0, queued: 1, sent: 2, delivered: 3, read: 4 };

/** Who did something in which conversation: `author` is an account id (ours for transcripts), `fromDevice` the sending device. */
export interface EffectSource {
  readonly conversationId: string;
  readonly author: string;
  readonly fromDevice: string;
  readonly receivedAt: number;
}

/**
 * Applies one piece of conversation content inside the caller's
 * transaction. Returns the message it inserted (a text), if any; ids whose
 * rows changed are added to `changed`.
 */
export function applyConversationContent(ctx: ChatContext, src: EffectSource, c: SyncedContent, changed: Set<string>): NewMessage | undefined {
  const me = ctx.keys.accountId;
  const outgoing = src.author === me;
  const target = (id: string): Message | null | undefined => {
    const m = ctx.store.messages.get(id);
    if (!m) return null;
    return m.conversationId === src.conversationId ? m : undefined;
  };
  const record = (event: ReceivedEventBody): void => {
    if (!outgoing) ctx.store.receivedEvents.record(src.conversationId, src.author, src.receivedAt, event);
  };
  const hold = (id: string, content: SyncedContent): void => {
    ctx.store.repairs.holdEffect(id, { conversationId: src.conversationId, sender: src.author, fromDevice: src.fromDevice, content: encodeContent(content) });
  };
  switch (c.type) {
    case 'text': {
      const message: NewMessage = {
        id: c.id,
        conversationId: src.conversationId,
        sender: src.author,
        direction: outgoing ? 'out' : 'in',
        body: c.text,
        sentAt: c.sentAt,
        receivedAt: src.receivedAt,
        state: outgoing ? 'sent' : 'delivered',
        replyTo: c.replyTo,
        expiresAt: c.expireSeconds ? (outgoing ? c.sentAt : src.receivedAt) + c.expireSeconds * 1000 : null,
      };
      changed.add(c.id);
      if (!ctx.store.messages.insert(message)) return message;
      for (const e of ctx.store.repairs.takeEffects(c.id)) {
        const held = parseContent(e.content);
        if (held.type === 'edit' || held.type === 'delete' || held.type === 'reaction' || held.type === 'receipt') {
          applyConversationContent(ctx, { conversationId: e.conversationId, author: e.sender, fromDevice: e.fromDevice, receivedAt: src.receivedAt }, held, changed);
        }
      }
      return message;
    }
    case 'edit': {
      const m = target(c.target);
      if (m === null) hold(c.target, c);
      else if (m && m.sender === src.author && m.deletedAt === null && ctx.store.messages.edit(m.id, c.text, c.sentAt)) {
        record({ type: 'edit', target: m.id, text: c.text });
        changed.add(m.id);
      }
      return undefined;
    }
    case 'delete': {
      const m = target(c.target);
      if (m === null) hold(c.target, c);
      else if (m && m.sender === src.author) {
        ctx.store.messages.eraseBody(m.id, c.sentAt);
        ctx.store.receivedEvents.forgetEdits(m.id);
        record({ type: 'delete', target: m.id });
        changed.add(m.id);
      }
      return undefined;
    }
    case 'reaction': {
      const m = target(c.target);
      if (m === null) hold(c.target, c);
      else if (m) {
        if (c.emoji === null) ctx.store.reactions.remove(m.id, src.author);
        else ctx.store.reactions.set({ messageId: m.id, sender: src.author, emoji: c.emoji, reactedAt: c.sentAt });
        record({ type: 'reaction', target: m.id, emoji: c.emoji });
        changed.add(m.id);
      }
      return undefined;
    }
    case 'receipt': {
      const confirmed: string[] = [];
      for (const id of c.targets) {
        const m = target(id);
        if (m === null) hold(id, { ...c, targets: [id] });
        else if (m && outgoing && m.direction === 'in') {
          // We read it on another device: it is read here too.
          if (ctx.store.messages.markOneRead(m.id)) changed.add(m.id);
        } else if (m && !outgoing && m.direction === 'out') {
          const next: DeliveryState = c.kind === 'read' ? 'read' : 'delivered';
          confirmed.push(m.id);
          if (RANK[next] > RANK[m.state]) {
            ctx.store.messages.setState(m.id, next);
            changed.add(m.id);
          }
        }
      }
      if (confirmed.length > 0) record({ type: 'receipt', kind: c.kind, targets: confirmed });
      return undefined;
    }
    case 'timer':
      ctx.store.messages.setTimer(src.conversationId, c.expireSeconds === null ? null : c.expireSeconds * 1000);
      record({ type: 'timer', seconds: c.expireSeconds });
      return undefined;
  }
}
