/**
 * What `parley receive` reports: every incoming message this profile has
 * stored and no `receive` has printed yet — also those that arrived while
 * another command (a `send`, a `link`) had the profile open. The cursor
 * (receipt time, and the ids printed at that exact time) lives in the
 * profile's settings, so each message is printed once across runs.
 */
import { STORE_MAX_PAGE_SIZE } from '../shared/constants';
import type { Messenger } from '../main/messenger/messenger';
import type { Message } from '../main/store';

const CURSOR_SETTING = 'cli.receiveCursor';

/** One line `receive` prints: a text, or a placeholder for a message that did not decrypt (repaired by a later text line). */
export type ReceivedLine =
  | { readonly type: 'text'; readonly from: string; readonly text: string; readonly id: string; readonly sentAt: number }
  | { readonly type: 'undecryptable'; readonly from: string; readonly id: string; readonly receivedAt: number; readonly message: string };

/** The sentence a placeholder shows, in the app and here. */
export const undecryptableNotice = (from: string): string => `A message from ${from} couldn’t be decrypted. Parley asked ${from}’s device to send it again.`;

interface Cursor {
  at: number;
  ids: string[];
}

function readCursor(m: Messenger): Cursor {
  try {
    const c = JSON.parse(m.store.directory.setting(CURSOR_SETTING) ?? '') as Cursor;
    if (Number.isSafeInteger(c.at) && Array.isArray(c.ids)) return c;
  } catch {
    // No cursor yet (first receive): report everything stored.
  }
  return { at: 0, ids: [] };
}

/** Reads incoming messages not reported yet, and remembers what was reported. */
export class CliInbox {
  #cursor: Cursor;

  constructor(private readonly messenger: Messenger) {
    this.#cursor = readCursor(messenger);
  }

  /** Lines for messages stored since the last report, oldest first; call `commit` once they are printed. */
  next(): ReceivedLine[] {
    const rows = this.messenger.store.messages.incomingSince(this.#cursor.at, STORE_MAX_PAGE_SIZE).filter((m) => !(m.receivedAt === this.#cursor.at && this.#cursor.ids.includes(m.id)));
    for (const m of rows) {
      this.#cursor = m.receivedAt === this.#cursor.at ? { at: m.receivedAt, ids: [...this.#cursor.ids, m.id] } : { at: m.receivedAt, ids: [m.id] };
    }
    return rows.map((m) => this.#line(m));
  }

  /** Persists the cursor past everything `next` returned. */
  commit(): void {
    this.messenger.store.directory.setSetting(CURSOR_SETTING, JSON.stringify(this.#cursor));
  }

  #line(m: Message): ReceivedLine {
    const from = this.messenger.contacts.list().find((c) => c.accountId === m.conversationId)?.name ?? m.sender;
    if (m.kind === 'undecryptable') return { type: 'undecryptable', from, id: m.id, receivedAt: m.receivedAt, message: undecryptableNotice(from) };
    return { type: 'text', from, text: m.body, id: m.id, sentAt: m.sentAt };
  }
}
