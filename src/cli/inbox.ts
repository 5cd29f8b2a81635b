/**
 * What `parley receive` reports: every incoming message this profile has
 * stored, every edit, delete, reaction, receipt and timer change a
 * contact sent, and every group member's safety-number change, that no
 * `receive` has printed yet — also those that arrived while another
 * command (a `send`, a `link`) had the profile open. Texts and
 * placeholders are message rows, read from a cursor on their receipt time
 * (and the ids printed at that exact time); members' key changes are the
 * group's key-change rows, read the same way on the time they were
 * accepted; membership changes (created, renamed, added, removed, left)
 * come from each group's chain after the last version reported
 * (groupCursor.ts); the rest comes from the store's received-events
 * outbox, read from its sequence number. The cursors live in the profile's settings, so
 * each line is printed once across runs (and across daemon restarts: the
 * daemon reads the same inbox). Lines of one batch are ordered by when
 * they were applied.
 */
import { STORE_MAX_PAGE_SIZE } from '../shared/constants';
import type { Messenger } from '../main/messenger/messenger';
import type { Message, ReceivedEvent } from '../main/store';
import { GroupCursor } from './groupCursor';

const CURSOR_SETTING = 'cli.receiveCursor';

/** An attachment a text line carries: where it was saved (null without --attachments, or if it did not arrive), its name, size and type. */
export interface LineAttachment {
  readonly name: string;
  readonly path: string | null;
  readonly size: number;
  readonly mime: string;
}

/** One line `receive` prints (the issue's shapes; `group` is the group's name for a group message, null for 1:1). */
export type ReceivedLine =
  | { readonly type: 'text'; readonly from: string; readonly text: string; readonly id: string; readonly sentAt: number; readonly replyTo: string | null; readonly group: string | null; readonly attachment?: LineAttachment }
  | { readonly type: 'undecryptable'; readonly from: string; readonly id: string; readonly receivedAt: number; readonly message: string }
  | { readonly type: 'edit'; readonly from: string; readonly target: string; readonly text: string }
  | { readonly type: 'delete'; readonly from: string; readonly target: string }
  | { readonly type: 'reaction'; readonly from: string; readonly target: string; readonly emoji: string | null }
  | { readonly type: 'receipt'; readonly from: string; readonly kind: 'delivered' | 'read'; readonly targets: readonly string[] }
  | { readonly type: 'timer'; readonly from: string; readonly seconds: number | null }
  | GroupEvent;

/**
 * A group event. `group` names the group as `--group NAME` does; `from` is
 * who made the change (for `memberKeyChanged`, the member whose safety
 * number changed) and `members` the names of the accounts it concerns
 * (contact names, or the names they chose). `key` marks the two changes of
 * an admin putting a member's new key in the group: `new` on the add of the
 * new key, `old` on the removal of the old one. `at` is when the change
 * was accepted (a membership change: when this device adopted its version).
 */
export type GroupEvent = {
  readonly type: 'group';
  readonly group: { readonly id: string; readonly name: string };
  readonly action: 'created' | 'renamed' | 'membersAdded' | 'membersRemoved' | 'left' | 'memberKeyChanged';
  readonly from: string;
  readonly members: readonly string[];
  readonly at: number;
  readonly key?: 'new' | 'old';
};

/** The sentence a placeholder shows, in the app and here. */
export const undecryptableNotice = (from: string): string => `A message from ${from} couldn’t be decrypted. Parley asked ${from}’s device to send it again.`;

/** A line as a person reads it. */
export function humanLine(l: ReceivedLine): string {
  switch (l.type) {
    case 'text':
      return `${new Date(l.sentAt).toISOString()} ${l.from}: ${l.text}${l.attachment ? ` [${l.attachment.name}${l.attachment.path ? ` saved to ${l.attachment.path}` : ''}]` : ''}`;
    case 'undecryptable':
      return `${new Date(l.receivedAt).toISOString()} ${l.message}`;
    case 'edit':
      return `${l.from} edited ${l.target}: ${l.text}`;
    case 'delete':
      return `${l.from} deleted ${l.target}`;
    case 'reaction':
      return l.emoji === null ? `${l.from} removed their reaction to ${l.target}` : `${l.from} reacted ${l.emoji} to ${l.target}`;
    case 'receipt':
      return `${l.from} ${l.kind === 'read' ? 'read' : 'received'} ${l.targets.join(', ')}`;
    case 'timer':
      return l.seconds === null ? `${l.from} turned disappearing messages off` : `${l.from} set disappearing messages to ${l.seconds} s`;
    case 'group':
      return `${new Date(l.at).toISOString()} ${groupSentence(l)}`;
  }
}

/** A group event as a sentence (the member's key change says what it means for the group). */
function groupSentence(e: GroupEvent): string {
  const names = `${e.members.join(', ')}${e.key === undefined ? '' : `’s ${e.key} key`}`;
  switch (e.action) {
    case 'memberKeyChanged':
      return `${e.from}’s safety number changed in ${e.group.name}: they get no group messages until an admin adds their new key (parley group new-key).`;
    case 'created':
      return `${e.from} created ${e.group.name}`;
    case 'renamed':
      return `${e.from} renamed the group to ${e.group.name}`;
    case 'membersAdded':
      return `${e.from} added ${names} to ${e.group.name}`;
    case 'membersRemoved':
      return `${e.from} removed ${names} from ${e.group.name}`;
    case 'left':
      return `${e.from} left ${e.group.name}`;
  }
}

interface Cursor {
  at: number;
  ids: string[];
  seq: number;
  /** Members' key changes: the acceptance time reported last, and the changes reported at that time ("group account newAccount"). */
  keyAt: number;
  keyIds: string[];
}

const START: Cursor = { at: 0, ids: [], seq: 0, keyAt: 0, keyIds: [] };

function readCursor(m: Messenger): Cursor {
  const raw = m.store.directory.setting(CURSOR_SETTING);
  // No cursor yet (first receive): report everything stored.
  if (raw === null) return { ...START };
  let c: Partial<Cursor> | null = null;
  try {
    c = JSON.parse(raw) as Partial<Cursor>;
  } catch {
    c = null; // unreadable: reported on stderr just below
  }
  if (c && Number.isSafeInteger(c.at) && Array.isArray(c.ids)) {
    // A cursor from before key changes were reported has none: each recorded change is reported once, as on a first receive.
    const keys = Number.isSafeInteger(c.keyAt) && Array.isArray(c.keyIds) ? { keyAt: c.keyAt!, keyIds: c.keyIds } : { keyAt: 0, keyIds: [] };
    return { at: c.at!, ids: c.ids, seq: Number.isSafeInteger(c.seq) ? c.seq! : 0, ...keys };
  }
  // A damaged cursor would silently re-report (or skip) lines: say so, then start over from everything stored.
  process.stderr.write(`${JSON.stringify({ warning: 'CLI_RECEIVE_CURSOR_RESET', message: 'The receive cursor was unreadable; reporting every stored message again.' })}\n`);
  return { ...START };
}

/** Reads incoming messages and events not reported yet, and remembers what was reported. */
export class CliInbox {
  #cursor: Cursor;
  readonly #groups: GroupCursor;
  #names = new Map<string, string>();

  constructor(private readonly messenger: Messenger) {
    this.#groups = new GroupCursor(messenger, messenger.store.directory.setting(CURSOR_SETTING) !== null);
    this.#cursor = readCursor(messenger);
  }

  /**
   * Lines for what was stored since the last report, in the order it was
   * applied; text lines carry their attachment, saved into `dir` when one
   * is given (downloads in flight are awaited first). Call `commit` once
   * they are printed.
   */
  async next(dir: string | null): Promise<ReceivedLine[]> {
    this.#names = new Map(this.messenger.contacts.list().map((c) => [c.accountId, c.name]));
    const rows = this.messenger.store.messages.incomingSince(this.#cursor.at, STORE_MAX_PAGE_SIZE).filter((m) => !(m.receivedAt === this.#cursor.at && this.#cursor.ids.includes(m.id)));
    for (const m of rows) {
      this.#cursor = m.receivedAt === this.#cursor.at ? { ...this.#cursor, ids: [...this.#cursor.ids, m.id] } : { ...this.#cursor, at: m.receivedAt, ids: [m.id] };
    }
    const events = this.messenger.store.receivedEvents.since(this.#cursor.seq, STORE_MAX_PAGE_SIZE);
    if (events.length > 0) this.#cursor.seq = events[events.length - 1]!.seq;
    if (rows.some((m) => this.messenger.store.attachments.forMessage(m.id).length > 0)) {
      // A row is committed before its batch's follow-up offers the file for download: let that batch finish, then the downloads.
      await this.messenger.conversations.drain();
      await this.messenger.attachments.settled();
    }
    const timed: { at: number; line: ReceivedLine }[] = [];
    for (const m of rows) timed.push({ at: m.receivedAt, line: await this.#messageLine(m, dir) });
    for (const e of events) timed.push({ at: e.receivedAt, line: this.#eventLine(e) });
    for (const k of this.#keyChanges()) timed.push({ at: k.at, line: k });
    for (const g of this.#groups.next()) timed.push({ at: g.at, line: g });
    return timed.sort((a, b) => a.at - b.at).map((t) => t.line);
  }

  /** Persists the cursors past everything `next` returned. */
  commit(): void {
    this.messenger.store.directory.setSetting(CURSOR_SETTING, JSON.stringify(this.#cursor));
    this.#groups.commit();
  }

  /** Members' key changes accepted since the cursor, as group lines; advances the cursor past them. */
  #keyChanges(): GroupEvent[] {
    const c = this.#cursor;
    const rows = this.messenger.store.groups.keyChangesSince(c.keyAt, STORE_MAX_PAGE_SIZE).filter((k) => !(k.at === c.keyAt && c.keyIds.includes(`${k.groupId} ${k.accountId} ${k.newAccountId}`)));
    if (rows.length === 0) return [];
    const groups = new Map(this.messenger.groups.list().map((g) => [g.id, g]));
    const lines: GroupEvent[] = [];
    for (const k of rows) {
      const id = `${k.groupId} ${k.accountId} ${k.newAccountId}`;
      this.#cursor = k.at === this.#cursor.keyAt ? { ...this.#cursor, keyIds: [...this.#cursor.keyIds, id] } : { ...this.#cursor, keyAt: k.at, keyIds: [id] };
      // A group that no longer shows (we were removed and hold none of its members) has nothing to act on.
      const group = groups.get(k.groupId);
      if (!group) continue;
      const name = this.messenger.groups.keyChanges(group.id).find((e) => e.accountId === k.accountId && e.newAccountId === k.newAccountId)?.name ?? k.accountId;
      lines.push({ type: 'group', group: { id: group.id, name: group.name }, action: 'memberKeyChanged', from: name, members: [name], at: k.at });
    }
    return lines;
  }

  #from(accountId: string): string {
    return this.#names.get(accountId) ?? this.messenger.groups.hooks.memberName(accountId) ?? accountId;
  }

  async #messageLine(m: Message, dir: string | null): Promise<ReceivedLine> {
    const group = this.messenger.groups.hooks.isGroup(m.conversationId) ? this.messenger.groups.get(m.conversationId).name : null;
    const from = this.#from(group === null ? m.conversationId : m.sender);
    if (m.kind === 'undecryptable') return { type: 'undecryptable', from, id: m.id, receivedAt: m.receivedAt, message: undecryptableNotice(from) };
    const line = { type: 'text' as const, from, text: m.body, id: m.id, sentAt: m.sentAt, replyTo: m.replyTo ?? null, group };
    const a = this.messenger.store.attachments.forMessage(m.id)[0];
    if (!a) return line;
    const saved = dir !== null && a.localPath ? (await this.messenger.attachments.saveForMessage(m.id, dir))[0] : undefined;
    return { ...line, attachment: saved ? { name: saved.name, path: saved.path, size: saved.size, mime: saved.mime } : { name: a.fileName ?? '', path: null, size: a.size, mime: a.contentType } };
  }

  #eventLine(e: ReceivedEvent): ReceivedLine {
    const from = this.#from(e.sender);
    switch (e.type) {
      case 'edit':
        return { type: 'edit', from, target: e.target, text: e.text };
      case 'delete':
        return { type: 'delete', from, target: e.target };
      case 'reaction':
        return { type: 'reaction', from, target: e.target, emoji: e.emoji };
      case 'receipt':
        return { type: 'receipt', from, kind: e.kind, targets: e.targets };
      case 'timer':
        return { type: 'timer', from, seconds: e.seconds };
    }
  }
}
