/**
 * The conversations service: everything a person does in a conversation —
 * send, retry, edit, delete, react, read, type, set the timer — and the
 * receive queue that applies what arrives. It owns the order of incoming
 * envelopes and the delivery deadline. Each change is committed here, then
 * sent end to end (our other devices get it as a sync transcript) and
 * announced on the bus.
 */
import { parseContent, type Content } from '../../shared/wire/content';
import { DEFERRED_RETRY_MS, DELIVERY_DEADLINE_MS, MAINTENANCE_EVERY_TICKS, READ_RECEIPT_BATCH, RECEIVE_BATCH_MAX, RECEIVE_FILL_ENVELOPES, RELAY_ONLINE_WAIT_MS, STORE_EXPIRY_INTERVAL_MS } from '../../shared/constants';
import type { IncomingMessage } from '../relayClient/client';
import { asInserted, type Message, type NewMessage } from '../store';
import type { ContactRow } from '../store/contacts';
import { ChatError } from '../account/errors';
import type { ChatContext } from './context';
import { ack, handleBatch } from './receiveBatch';
import { openAhead } from '../session/sealAhead';
import { IdleIndexer } from './searchIndexer';
import { errorCode, flushOutbox, recipientsOf, sendContent, sending } from './outgoing';
import { sendOwedReceipts } from './owedReceipts';
import { ReceiptHold } from './receiptHold';
import { BatchFill } from './batchFill';
import { compactChanges } from '../snapshot/changes';
import { dropExpired, flushUnsent } from './unsent';
import { runOwedRefreshes } from './owedRefreshes';
import { SendReadsCache, type SendReads } from './sendReads';

import { newMessageId } from './messageId';

/** Sending, changing and receiving messages (see the file comment). */
export class ConversationService {
  #incoming: Promise<void> = Promise.resolve();
  #pending: IncomingMessage[] = [];
  #progress: { done: number; total: number } | null = null;
  #tick: NodeJS.Timeout | null = null;
  #ticks = 0;
  #lastSentAt = 0;
  readonly #fill = new BatchFill();
  readonly #receiptHold = new ReceiptHold(() => void this.sendOwedReceipts().then(() => this.flush()).catch((e: unknown) => this.ctx.audit('delivery.failed', { reason: errorCode(e) })));
  /** Acks sent and not yet confirmed by the relay (handleBatch's `acking`): drain waits for them. */
  readonly #acks = new Set<Promise<void>>();
  /** Receive jobs queued or running: the search indexer (and idle checkpoint) waits while any are, and while sends are under way. */
  #receiving = 0;
  readonly #indexer: IdleIndexer;
  readonly #sendReads: SendReadsCache;

  constructor(
    private readonly ctx: ChatContext,
    private readonly deadlineMs = DELIVERY_DEADLINE_MS,
  ) {
    this.#indexer = new IdleIndexer(ctx.store, () => this.#receiving > 0 || sending(ctx), ctx.audit);
    this.#sendReads = new SendReadsCache(ctx.store);
  }

  /** The contact a conversation is with (conversation ids are the peer's account id), or CHAT_UNKNOWN_CONTACT. */
  peer(conversationId: string): ContactRow {
    const c = this.ctx.contacts.get(conversationId);
    if (!c) throw new ChatError('CHAT_UNKNOWN_CONTACT', 'There is no such contact.');
    return c;
  }

  /** The peer, refusing while their safety number changed and awaits acceptance. */
  sendablePeer(conversationId: string): ContactRow {
    const c = this.peer(conversationId);
    if (c.pendingAccountId) throw new ChatError('CHAT_IDENTITY_CHANGED', `${c.name}’s safety number changed. Review and accept it before sending.`);
    return c;
  }

  /** Commits `content` (and the message row) to the outbox for every device of `accountId` and our other devices, then flushes in the background. */
  async send(accountId: string, content: Content, message?: NewMessage, known?: SendReads): Promise<void> {
    if (known ? known.recipients === null : this.ctx.groups?.isGroup(accountId)) {
      await this.ctx.groups!.send(accountId, content, message);
      this.flushInBackground();
      return;
    }
    await sendContent(this.ctx, known?.recipients ?? recipientsOf(this.ctx, accountId), content, message, accountId);
    this.flushInBackground();
  }

  /** Flushes the outbox without waiting; a failure is recorded and the entries stay for the next flush. */
  flushInBackground(): void {
    void flushOutbox(this.ctx).catch((e: unknown) => this.ctx.audit('delivery.failed', { reason: errorCode(e) }));
  }

  /** Sends any outbox entries now (used after reconnects and by the CLI before exiting). */
  flush(): Promise<void> {
    return flushOutbox(this.ctx);
  }

  /** Sends a text; resolves once it is committed to the outbox (it goes out now or on reconnect). */
  async sendText(conversationId: string, text: string, opts: { replyTo?: string | undefined } = {}): Promise<Message> {
    const { store, groups } = this.ctx;
    // The send's reads (contact, timer, group flag, devices), kept until one of their tables changes (sendReads.ts); when read,
    // in one read transaction: each read outside one is a transaction of its own.
    const known = this.#sendReads.get(conversationId, () => store.db.transaction((): SendReads => {
      this.sendablePeer(conversationId);
      return { timer: store.messages.timerOf(conversationId), recipients: groups?.isGroup(conversationId) ? null : recipientsOf(this.ctx, conversationId) };
    })());
    const id = newMessageId();
    const sent = await this.sendMessage(conversationId, id, { text, replyTo: opts.replyTo ?? null, attachment: null }, known);
    this.announce(conversationId, [id]);
    return asInserted(sent);
  }

  /** Commits and sends one text message (with an attachment pointer, or not) under `id`, with the conversation's timer; the caller announces it. Resolves to the message committed. */
  async sendMessage(
    conversationId: string, id: string, body: { text: string; replyTo: string | null; attachment: Extract<Content, { type: 'text' }>['attachment'] }, known?: SendReads,
  ): Promise<NewMessage> {
    const now = this.#sendTime();
    const timer = known ? known.timer : this.ctx.store.messages.timerOf(conversationId);
    const message: NewMessage = {
      id, conversationId, sender: this.ctx.keys.accountId, direction: 'out', body: body.text, sentAt: now, receivedAt: now, state: 'queued', replyTo: body.replyTo, expiresAt: timer === null ? null : now + timer,
    };
    await this.send(
      conversationId,
      { v: 1, type: 'text', id, text: body.text, sentAt: now, replyTo: body.replyTo, expireSeconds: timer === null ? null : Math.round(timer / 1000), attachment: body.attachment },
      message,
      known,
    );
    return message;
  }

  /**
   * The sent time of a new message: now, but always after the previous one
   * sent here. Conversations are ordered by (sentAt, id) and ids are random,
   * so texts of one burst (the same millisecond) would otherwise read out of
   * the order they were sent, on both sides.
   */
  #sendTime(): number {
    this.#lastSentAt = Math.max(Date.now(), this.#lastSentAt + 1);
    return this.#lastSentAt;
  }

  /**
   * Sends a message that shows "not delivered" again, to every current
   * device of the contact and our other devices (in a group: to the member
   * devices with no delivery receipt, as a group message), under the same id
   * (the receiver keeps one copy). It shows "queued" until the relay takes it;
   * a contact (or group member) with no device on record gets it when their
   * list comes, as a first send does, and the delivery deadline counts from
   * the retry (MessageRepo.failOverdue).
   */
  async retryMessage(messageId: string): Promise<Message> {
    const { store } = this.ctx;
    const m = store.messages.get(messageId);
    if (!m || m.direction !== 'out' || m.kind !== 'text' || m.deletedAt !== null) throw new ChatError('CHAT_UNKNOWN_MESSAGE', 'There is no message of yours to send again.');
    if (m.state !== 'failed') throw new ChatError('CHAT_NOT_FAILED', 'Only a message that shows “not delivered” can be sent again.');
    const logged = store.repairs.sentContents(m.id).map((c) => parseContent(c)).find((c) => c.type === 'text');
    if (!logged && store.attachments.forMessage(m.id).length > 0) throw new ChatError('CHAT_RETRY_UNAVAILABLE', 'This file is no longer held for sending again; send it once more.');
    const timer = m.expiresAt == null ? null : Math.max(1, Math.round((m.expiresAt - m.sentAt) / 1000));
    const content: Content = logged ?? { v: 1, type: 'text', id: m.id, text: m.body, sentAt: m.sentAt, replyTo: m.replyTo ?? null, expireSeconds: timer, attachment: null };
    store.messages.setState(m.id, 'queued');
    if (this.ctx.groups?.isGroup(m.conversationId)) await this.ctx.groups.resend(m.conversationId, content, m.id);
    else await sendContent(this.ctx, recipientsOf(this.ctx, m.conversationId), content, undefined, m.conversationId, m.id);
    this.flushInBackground();
    this.ctx.events.messagesChanged(m.conversationId, [m.id]);
    return this.get(m.id);
  }

  /** Marks a conversation read and, if enabled, tells the sender with encrypted read receipts. */
  async markRead(conversationId: string): Promise<void> {
    const { store } = this.ctx;
    const ids = store.messages.unreadIncomingIds(conversationId);
    if (ids.length === 0) return;
    const last = this.get(ids[ids.length - 1]!);
    store.messages.markRead(conversationId, { at: last.sentAt, id: last.id });
    if (this.ctx.settings().readReceipts) {
      for (let i = 0; i < ids.length; i += READ_RECEIPT_BATCH) {
        await this.send(conversationId, { v: 1, type: 'receipt', kind: 'read', targets: ids.slice(i, i + READ_RECEIPT_BATCH), sentAt: Date.now() });
      }
    }
    this.ctx.events.conversationsChanged();
  }

  /** A page of a conversation, newest first, before the cursor. */
  history(conversationId: string, limit: number, before?: { at: number; id: string }): Message[] {
    this.peer(conversationId);
    return this.ctx.store.messages.page(conversationId, limit, before);
  }

  /** Full-text search over every conversation. */
  search(text: string, limit = 50): Message[] {
    return this.ctx.store.messages.search(text, limit);
  }

  /** One message, or CHAT_UNKNOWN_MESSAGE. */
  get(messageId: string): Message {
    const m = this.ctx.store.messages.get(messageId);
    if (!m) throw new ChatError('CHAT_UNKNOWN_MESSAGE', 'That message no longer exists.');
    return m;
  }

  /** Edits one of our own messages here and on every recipient device. */
  async editMessage(messageId: string, text: string): Promise<Message> {
    const m = this.get(messageId);
    if (m.direction !== 'out' || m.deletedAt !== null) throw new ChatError('CHAT_NOT_OWN_MESSAGE', 'Only your own messages can be edited.');
    const now = Math.max(Date.now(), (m.editedAt ?? 0) + 1); // later than the edit shown, so this one wins everywhere
    this.ctx.store.messages.edit(m.id, text, now);
    await this.send(m.conversationId, { v: 1, type: 'edit', target: m.id, text, sentAt: now });
    this.announce(m.conversationId, [m.id]);
    return this.get(m.id);
  }

  /** Deletes a message here; for everyone (own messages only) also on the other side. */
  async deleteMessage(messageId: string, forEveryone: boolean): Promise<void> {
    const m = this.get(messageId);
    if (forEveryone) {
      if (m.direction !== 'out') throw new ChatError('CHAT_NOT_OWN_MESSAGE', 'Only your own messages can be deleted for everyone.');
      const now = Date.now();
      this.ctx.store.messages.eraseBody(m.id, now);
      await this.send(m.conversationId, { v: 1, type: 'delete', target: m.id, sentAt: now });
    } else {
      this.ctx.store.messages.delete(m.id);
    }
    this.ctx.store.checkpoint();
    this.announce(m.conversationId, [m.id]);
  }

  /** One reaction per person per message; null removes ours. */
  async react(messageId: string, emoji: string | null): Promise<Message> {
    const { store, keys } = this.ctx;
    const m = this.get(messageId);
    const now = Date.now();
    if (emoji === null) store.reactions.remove(m.id, keys.accountId);
    else store.reactions.set({ messageId: m.id, sender: keys.accountId, emoji, reactedAt: now });
    await this.send(m.conversationId, { v: 1, type: 'reaction', target: m.id, emoji, sentAt: now });
    this.announce(m.conversationId, [m.id]);
    return this.get(m.id);
  }

  /** Tells the contact (or a group's other members) we are (or stopped) typing; dropped when offline or switched off. */
  async setTyping(conversationId: string, typing: boolean): Promise<void> {
    if (!this.ctx.groups?.isGroup(conversationId)) this.peer(conversationId);
    if (!this.ctx.settings().typingIndicators || !this.ctx.link.client) return;
    await this.send(conversationId, { v: 1, type: 'typing', typing, sentAt: Date.now() });
  }

  /** Sets the conversation's disappearing-message timer on both sides. */
  async setDisappearingTimer(conversationId: string, seconds: number | null): Promise<void> {
    this.peer(conversationId);
    this.ctx.store.messages.setTimer(conversationId, seconds === null ? null : seconds * 1000);
    await this.send(conversationId, { v: 1, type: 'timer', expireSeconds: seconds, sentAt: Date.now() });
    this.ctx.events.conversationsChanged();
  }

  /** Deletes messages whose disappearing timer ran out (and their search rows); returns how many. */
  expireMessages(now = Date.now()): number {
    const gone = this.ctx.store.messages.expireByConversation(now);
    if (gone.size === 0) return 0;
    this.ctx.store.checkpoint();
    let n = 0;
    for (const [c, ids] of gone) {
      n += ids.length;
      this.announce(c, ids);
    }
    return n;
  }

  /** The messages around one message (for jumping to a search hit). */
  messageContext(messageId: string, limit: number): { conversationId: string; items: Message[] } {
    const m = this.get(messageId);
    const half = Math.max(1, Math.floor(limit / 2));
    const older = this.ctx.store.messages.page(m.conversationId, half, { at: m.sentAt, id: m.id });
    const newer = this.ctx.store.messages.after(m.conversationId, { at: m.sentAt, id: m.id }, half);
    return { conversationId: m.conversationId, items: [...older, m, ...newer] };
  }

  /** Outgoing messages nobody confirmed within the deadline show "not delivered" (with a retry action); runs on the upkeep tick. */
  checkDeliveries(): void {
    const changed = this.ctx.store.messages.failOverdue(Date.now() - this.deadlineMs);
    for (const [conversationId, ids] of changed) this.ctx.events.messagesChanged(conversationId, ids);
    if (changed.size > 0) this.ctx.events.conversationsChanged();
  }

  /** Starts the upkeep tick (every STORE_EXPIRY_INTERVAL_MS), running it once now. */
  startUpkeep(): void {
    this.#upkeep();
    this.#tick = setInterval(() => this.#upkeep(), STORE_EXPIRY_INTERVAL_MS);
    this.#tick.unref();
  }

  /** Stops the upkeep tick. */
  stopUpkeep(): void {
    if (this.#tick) clearInterval(this.#tick);
    this.#tick = null;
    this.#receiptHold.stop();
  }

  /** Expiry every tick; overdue deliveries, resend-log pruning and unsent content every MAINTENANCE_EVERY_TICKS. */
  #upkeep(): void {
    if (!this.ctx.store.db.open) return;
    this.expireMessages();
    this.#indexer.kick();
    // Content waiting for a device's first session, and list refreshes owed since a receive commit (store v17), are tried every tick (each backs off on its own).
    if (this.ctx.link.client && this.ctx.store.repairs.hasUnsent()) void this.flushUnsent().catch((e: unknown) => this.ctx.audit('delivery.failed', { reason: errorCode(e) }));
    if (this.ctx.link.client && this.ctx.store.listRefreshes.hasDue(this.ctx.now())) void runOwedRefreshes(this.ctx).catch((e: unknown) => this.ctx.audit('devices.refresh_failed', { reason: errorCode(e) }));
    if (this.#ticks++ % MAINTENANCE_EVERY_TICKS !== 0) return;
    dropExpired(this.ctx); // content that waited too long for a device, a list or a group update: dropped with a trace
    this.ctx.store.repairs.prune();
    compactChanges(this.ctx.store); // the change log, where no backup prunes it (snapshot/changes.ts)
    this.checkDeliveries();
    if (this.ctx.link.client) void this.flushUnsent().catch((e: unknown) => this.ctx.audit('delivery.failed', { reason: errorCode(e) }));
  }

  /** Sends content whose device set was unknown at send time (runs on the upkeep tick and when the relay is back). */
  flushUnsent(): Promise<number> {
    return flushUnsent(this.ctx);
  }

  /** Queues one envelope from the relay (see receiveMany). */
  receive(m: IncomingMessage): void {
    this.receiveMany([m]);
  }

  /**
   * Queues the envelopes of one relay push. Batches are handled one at a
   * time, in order, once the link is online; each run takes everything
   * waiting (up to RECEIVE_BATCH_MAX) as one batch (receiveBatch.ts). An
   * envelope whose sender could not be checked now stays on the relay and
   * is tried again after DEFERRED_RETRY_MS while online (the relay offers it
   * again only on the next connection).
   */
  receiveMany(ms: readonly IncomingMessage[]): void {
    if (ms.length === 0) return;
    // Their ephemeral DHs start on the worker thread now, while earlier batches commit; if it fails, the batch opens them itself.
    void openAhead(ms, this.ctx.keys.x25519).catch((e: unknown) => this.ctx.audit('crypto.worker_failed', { reason: errorCode(e) }));
    this.#pending.push(...ms);
    this.#fill.arrived();
    this.#receiving++;
    this.#incoming = this.#incoming.then(async () => {
      if (this.#pending.length === 0) return;
      if (!(await this.ctx.link.online(RELAY_ONLINE_WAIT_MS)) || !this.ctx.store.db.open) {
        // Not acked: the relay offers these again on the next connection.
        this.#pending = [];
        return;
      }
      const p = this.#progress; // a catch-up: wait briefly for a batch worth its fixed cost (batchFill.ts)
      if (p) await this.#fill.until(() => this.#pending.length, Math.min(RECEIVE_FILL_ENVELOPES, p.total - p.done));
      const batch = this.#pending.splice(0, RECEIVE_BATCH_MAX);
      // While a catch-up goes on (more queued here or on the relay), receipts stay owed for a few batches: receiptHold.ts.
      const later = await handleBatch(this.ctx, batch, (owed) => this.#receiptHold.decide(owed, this.#pending.length > 0 || this.#progress !== null),
        (handled) => this.#advance(handled), (confirmed) => this.#trackAck(confirmed));
      if (later.length > 0) {
        const t = setTimeout(() => this.receiveMany(later), DEFERRED_RETRY_MS);
        t.unref();
      }
    }).catch((e: unknown) => {
      // The envelopes stay on the relay (they were not acked) and come back on the next connection.
      this.ctx.audit('envelope.deferred', { reason: errorCode(e) });
    }).finally(() => this.#receiving--);
  }

  /** The relay said `queued` messages wait after sign-in: progress ("Receiving N of M") counts from here, once per batch; 0 clears it. */
  backlog(queued: number): void {
    if (queued <= 0) {
      if (this.#progress) this.ctx.events.receiving(null);
      this.#progress = null;
      return;
    }
    this.#progress = { done: 0, total: queued };
    this.ctx.events.receiving({ ...this.#progress });
  }

  #advance(handled: number): void {
    const p = this.#progress;
    if (!p) return;
    p.done = Math.min(p.total, p.done + handled);
    if (p.done >= p.total) this.#progress = null;
    this.ctx.events.receiving(this.#progress ? { ...this.#progress } : null);
  }

  /** Sends the delivery receipts owed for stored messages (after a crash between a commit and its receipt, say). */
  sendOwedReceipts(): Promise<void> {
    return sendOwedReceipts(this.ctx);
  }

  /** Acks envelopes whose commit is recorded but whose ack did not reach the relay. */
  ackPending(): Promise<void> {
    return ack(this.ctx, this.ctx.store.delivery.pendingAcks());
  }

  /** Waits until every envelope received so far is committed and acked (each ack confirmed by the relay, or failed and audited). */
  async drain(): Promise<void> {
    await this.#incoming;
    await Promise.all([...this.#acks]);
  }

  #trackAck(confirmed: Promise<void>): void {
    this.#acks.add(confirmed);
    void confirmed.finally(() => this.#acks.delete(confirmed));
  }

  /** Tells the UI these messages and the conversation list changed. */
  announce(conversationId: string, ids: readonly string[]): void {
    this.ctx.events.messagesChanged(conversationId, ids);
    this.ctx.events.conversationsChanged();
  }
}
