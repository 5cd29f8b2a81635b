/**
 * Snapshot export and import over a LocalStore: the account-level state
 * (display name, contacts with trust and devices, conversations, syncable
 * settings) and the message history with reactions. Used by backups
 * (src/main/backup) and device linking.
 *
 *  - Exports are plain JSON-able values in a deterministic order.
 *  - Every import validates its whole input first (schemas.ts, typed
 *    SnapshotError) and then writes in one transaction; nested in a caller's
 *    transaction it becomes a savepoint, so a caller can import state,
 *    tombstones and messages atomically.
 *  - Imports are idempotent: a row already holding the imported values is
 *    not written at all (no trigger fires), a message id already present is
 *    updated in place. FTS rows follow through the store's triggers.
 *  - Expired disappearing messages are neither exported nor imported.
 *  - Attachment bytes and metadata are not part of a snapshot.
 */
import { SNAPSHOT_CHUNK_MESSAGES } from '../../shared/constants';
import type { LocalStore } from '../store';
import type { MessageRow } from '../store/snapshotRows';
import {
  AccountStateSchema, MessageRecordSchema, SnapshotError, parseOrThrow, type AccountState, type ContactState,
  type ConversationState, type GroupStateRecord, type MessageRecord, type ReactionRecord,
} from './schemas';
import { z } from 'zod';
import { fromBase64Url, toBase64Url } from '../../shared/wire/encoding';

export * from './schemas';

// ── rows ──

export type { MessageRow } from '../store/snapshotRows';

/** The record of one message row, with its reactions (ordered by sender). */
export function toMessageRecord(store: LocalStore, r: MessageRow): MessageRecord {
  const reactions: ReactionRecord[] = store.snapshot.reactions(r.id);
  return {
    id: r.id, conversationId: r.conversation_id, sender: r.sender, direction: r.direction, body: r.body, sentAt: r.sent_at,
    receivedAt: r.received_at, state: r.state, unread: r.unread === 1, replyTo: r.reply_to, editedAt: r.edited_at,
    deletedAt: r.deleted_at, expiresAt: r.expires_at, reactions,
  };
}

/** True if a disappearing message's deadline has passed (it is about to be, or already was, deleted). */
export const isExpired = (expiresAt: number | null, now: number): boolean => expiresAt !== null && expiresAt <= now;

// ── export ──

/** The account-level state, in a deterministic order (contacts and conversations by id, settings by key, devices sorted). */
export function exportState(store: LocalStore): AccountState {
  const rows = store.snapshot;
  const account = rows.account();
  const contacts = rows.contacts().map((c): ContactState => ({
    accountId: c.account_id, name: c.display_name, trust: c.trust, relayUrl: c.relay_url, pendingAccountId: c.pending_account_id, addedAt: c.created_at,
    devices: store.contacts.devices(c.account_id),
  }));
  const conversations = rows.conversations().map((c): ConversationState => ({
    id: c.id, kind: c.kind, peerAccountId: c.peer_account_id, title: c.title, expireTimerMs: c.expire_timer_ms, archived: c.archived === 1, createdAt: c.created_at,
  }));
  const groups = store.groups.ids().map((id) => exportGroup(store, id));
  return { v: 1, accountId: account?.account_id ?? null, displayName: account?.display_name ?? null, contacts, conversations, settings: rows.syncedSettings(), ...(groups.length > 0 ? { groups } : {}) };
}

/** One group's rows as a snapshot record. */
function exportGroup(store: LocalStore, id: string): GroupStateRecord {
  const g = store.groups.get(id)!;
  const keyChanges = store.groups.keyChanges(id);
  return {
    id, genesis: g.genesis, masterKey: g.masterKey ? toBase64Url(g.masterKey) : null, status: g.status,
    versions: store.groups.versionRows(id),
    members: store.groups.members(id).map((m) => ({ accountId: m.accountId, role: m.role, name: m.name, displayName: m.displayName, devices: [...m.devices] })),
    ...(keyChanges.length > 0 ? { keyChanges } : {}),
  };
}

/** Adds a group's rows (a group already here keeps its status and key; versions are merged). */
function importGroup(store: LocalStore, g: GroupStateRecord, now: number): void {
  const known = store.groups.get(g.id);
  if (!known) store.groups.put({ id: g.id, genesis: g.genesis, masterKey: g.masterKey ? fromBase64Url(g.masterKey) : null, status: g.status, rotate: false }, now);
  // A version from a snapshot older than schema 14 has no time: 0 puts its event at the group's start (as the v14 migration's backfill does).
  for (const v of g.versions) store.groups.addVersion(g.id, v.hash, v.height, v.json, v.adoptedAt ?? 0);
  for (const k of g.keyChanges ?? []) store.groups.addKeyChange(g.id, k.accountId, k.newAccountId, k.at);
  if (known) return;
  store.groups.setMembers(g.id, g.members);
  for (const m of g.members) {
    if (m.displayName !== null) store.groups.setDisplayName(g.id, m.accountId, m.displayName);
    store.groups.setDevices(g.id, m.accountId, m.devices);
  }
}

/** Which messages an export covers and in what chunks. */
export interface ExportMessagesOptions {
  /** Only messages sent at or after this time (ms since the epoch). */
  readonly sinceMs?: number | undefined;
  /** Records per chunk (default SNAPSHOT_CHUNK_MESSAGES). */
  readonly chunkSize?: number | undefined;
  /** The clock that decides what has expired (default Date.now()). */
  readonly now?: number | undefined;
}

/**
 * The history in (sentAt, id) order, as chunks of at most `chunkSize`
 * records; already-expired messages are skipped. Each chunk is one short
 * keyset query, so the store stays usable between chunks (an exporter may
 * await uploads between them); rows written meanwhile may or may not appear.
 */
export function* exportMessages(store: LocalStore, opts: ExportMessagesOptions = {}): Generator<MessageRecord[]> {
  const limit = opts.chunkSize ?? SNAPSHOT_CHUNK_MESSAGES;
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError('chunkSize must be a positive integer');
  const since = opts.sinceMs ?? 0;
  let after: { at: number; id: string } | null = null;
  for (;;) {
    const now = opts.now ?? Date.now();
    const rows = store.snapshot.messagePage(after, since, now, limit);
    if (rows.length === 0) return;
    const last = rows[rows.length - 1]!;
    after = { at: last.sent_at, id: last.id };
    yield rows.map((r) => toMessageRecord(store, r));
    if (rows.length < limit) return;
  }
}

// ── import ──

/**
 * Merges an AccountState into the store in one transaction: contacts,
 * conversations and settings it names are inserted or updated (others are
 * kept); a contact's device set is replaced by the imported one. The display
 * name is applied only if the store already has its account row (creating
 * the account needs key material a snapshot never carries).
 */
export function importState(store: LocalStore, input: unknown): void {
  const state = parseOrThrow(AccountStateSchema, input, 'account state');
  const rows = store.snapshot;
  store.db.transaction(() => {
    const own = rows.account()?.account_id;
    if (own !== undefined && state.accountId !== null && own !== state.accountId) {
      throw new SnapshotError('SNAPSHOT_ACCOUNT_MISMATCH', 'The snapshot belongs to another account.');
    }
    if (own !== undefined && state.displayName !== null) rows.mergeDisplayName(state.displayName);
    for (const c of state.contacts) {
      rows.mergeContact(c);
      // A device id is its identity key, so a new device is saved as 'unverified' as on first contact.
      store.contacts.setDevices(c.accountId, c.devices);
    }
    for (const c of state.conversations) rows.mergeConversation(c);
    for (const s of state.settings) rows.mergeSetting(s.key, s.value);
    for (const g of state.groups ?? []) importGroup(store, g, Date.now());
  })();
}

const MessageRecordsSchema = z.array(MessageRecordSchema);
/** What an import of message records wrote. */
export interface ImportMessagesResult {
  /** Rows inserted or changed. */
  readonly written: number;
  /** Records already present with the same values. */
  readonly unchanged: number;
  /** Records skipped because they had already expired (an existing copy is deleted). */
  readonly expired: number;
}

/**
 * Inserts or updates messages (and replaces each one's reactions) in one
 * transaction. Every record's conversation must exist in the store (import
 * the state first, in the same outer transaction if need be).
 */
export function importMessages(store: LocalStore, input: unknown, now = Date.now()): ImportMessagesResult {
  const records = parseOrThrow(MessageRecordsSchema, input, 'message list');
  const db = store.db;
  return db.transaction((): ImportMessagesResult => {
    const conversations = new Set<string>(records.map((r) => r.conversationId));
    for (const c of conversations) {
      if (!store.snapshot.hasConversation(c)) {
        throw new SnapshotError('SNAPSHOT_UNKNOWN_CONVERSATION', 'A message belongs to a conversation the store does not have.');
      }
    }
    let written = 0;
    let unchanged = 0;
    let expired = 0;
    const latest = new Map<string, number>();
    for (const m of records) {
      if (isExpired(m.expiresAt, now)) {
        expired++;
        store.messages.delete(m.id);
        continue;
      }
      const changed = store.snapshot.mergeMessage({
        id: m.id, conversation_id: m.conversationId, sender: m.sender, direction: m.direction, body: m.body, sent_at: m.sentAt, received_at: m.receivedAt,
        state: m.state, unread: m.unread ? 1 : 0, reply_to: m.replyTo, edited_at: m.editedAt, deleted_at: m.deletedAt, expires_at: m.expiresAt,
      });
      const reacted = setReactions(store, m.id, m.reactions);
      if (changed || reacted) written++;
      else unchanged++;
      latest.set(m.conversationId, Math.max(latest.get(m.conversationId) ?? 0, m.sentAt));
    }
    for (const [c, at] of latest) store.snapshot.advanceLastMessage(c, at);
    return { written, unchanged, expired };
  })();
}

/** Makes a message's reactions exactly `wanted`; returns whether anything was written. */
function setReactions(store: LocalStore, messageId: string, wanted: readonly ReactionRecord[]): boolean {
  const have = new Map(store.snapshot.reactions(messageId).map((r) => [r.sender, r]));
  let wrote = false;
  const senders = new Set<string>();
  for (const r of wanted) {
    senders.add(r.sender);
    const h = have.get(r.sender);
    if (h && h.emoji === r.emoji && h.reactedAt === r.reactedAt) continue;
    store.snapshot.putReaction(messageId, r);
    wrote = true;
  }
  for (const s of have.keys()) {
    if (senders.has(s)) continue;
    store.reactions.remove(messageId, s);
    wrote = true;
  }
  return wrote;
}

const TombstonesSchema = z.array(z.string().min(1).max(128));

/** Deletes the messages with these ids (locally deleted or expired at the source) in one transaction; returns how many existed. */
export function applyTombstones(store: LocalStore, input: unknown): number {
  const ids = parseOrThrow(TombstonesSchema, input, 'tombstone list');
  return store.db.transaction(() => ids.reduce((n, id) => n + (store.messages.delete(id) ? 1 : 0), 0))();
}
