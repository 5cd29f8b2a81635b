/**
 * What an export holds, read from the store one page at a time: each
 * conversation's header (contact, safety number, timer, safety-number
 * events) and its messages with their last text, edit time, deletion
 * marker, reactions, reply and attachment. Pure reading; the writers
 * (json.ts, html.ts) decide the format.
 */
import { STORE_MAX_PAGE_SIZE } from '../../shared/constants';
import { safetyNumber } from '../account/safetyNumber';
import { fromBase64Url } from '../../shared/wire/encoding';
import type { ChatContext } from '../conversations/context';
import type { Attachment, Message } from '../store';

/** A conversation's header in an export. */
export interface ExportedConversation {
  readonly id: string;
  readonly name: string;
  readonly safetyNumber: string;
  readonly verified: boolean;
  readonly timerSeconds: number | null;
  /** Safety-number changes (from the audit log, with their time) and a group's membership and state changes (timeline sentences, in the order of its signed versions, which carry no time), oldest first. */
  readonly events: readonly { readonly type: string; readonly at: number | null; readonly text?: string }[];
  readonly messageCount: number;
}

/** One message in an export: the last version of its text, with the time of the edit, a deletion marker, reactions and its reply target. */
export interface ExportedMessage {
  readonly id: string;
  readonly from: string;
  readonly fromAccountId: string;
  readonly direction: 'in' | 'out';
  readonly sentAt: number;
  readonly receivedAt: number;
  readonly text: string;
  readonly editedAt: number | null;
  readonly deleted: boolean;
  readonly deletedAt: number | null;
  readonly undecryptable: boolean;
  readonly replyTo: string | null;
  readonly state: string;
  readonly reactions: readonly { readonly from: string; readonly emoji: string; readonly at: number }[];
  /** Where the copied file is, relative to the export folder (null if it never arrived); set by the writer. */
  readonly attachment: { readonly name: string; readonly file: string | null; readonly size: number; readonly mime: string } | null;
}

/** The header of the conversation with `accountId`. */
export function conversationHeader(ctx: ChatContext, accountId: string): ExportedConversation {
  if (ctx.groups?.isGroup(accountId)) {
    const g = ctx.groups.describe(accountId);
    const timer = ctx.store.messages.timerOf(accountId);
    return {
      id: accountId, name: g.name, safetyNumber: '', verified: false,
      timerSeconds: timer === null ? null : Math.round(timer / 1000),
      events: g.events.map((text) => ({ type: 'membership', at: null, text })),
      messageCount: ctx.store.messages.countIn(accountId),
    };
  }
  const c = ctx.contacts.get(accountId);
  const peer = fromBase64Url(c?.pendingAccountId ?? accountId);
  const events = ctx.store.audit.forAccount(accountId, ['safety_number.changed']).map((e) => ({ type: 'safety-number-changed', at: e.at }));
  const timer = ctx.store.messages.timerOf(accountId);
  return {
    id: accountId,
    name: c?.name ?? accountId,
    safetyNumber: peer ? safetyNumber(ctx.keys.accountPublicKey, peer).groups.join(' ') : '',
    verified: c?.trust === 'verified',
    timerSeconds: timer === null ? null : Math.round(timer / 1000),
    events,
    messageCount: ctx.store.messages.countIn(accountId),
  };
}

/** Every message of a conversation, oldest first, a page at a time, with its first attachment (if any). */
export async function* conversationMessages(ctx: ChatContext, conv: ExportedConversation): AsyncGenerator<{ message: ExportedMessage; file: Attachment | null }> {
  const me = ctx.keys.accountId;
  // In a group each sender has their own name: the contact's, or the one a member who is not a contact chose.
  const who = (accountId: string): string => (accountId === me ? 'me' : (ctx.contacts.get(accountId)?.name ?? ctx.groups?.memberName(accountId) ?? conv.name));
  let cursor = { at: Number.MIN_SAFE_INTEGER, id: '' };
  for (;;) {
    const page: Message[] = ctx.store.messages.after(conv.id, cursor, STORE_MAX_PAGE_SIZE);
    if (page.length === 0) return;
    for (const m of page) {
      const file = ctx.store.attachments.forMessage(m.id)[0] ?? null;
      yield {
        file,
        message: {
          id: m.id, from: who(m.direction === 'out' ? me : m.sender), fromAccountId: m.direction === 'out' ? me : m.sender, direction: m.direction,
          sentAt: m.sentAt, receivedAt: m.receivedAt, text: m.body, editedAt: m.editedAt, deleted: m.deletedAt !== null, deletedAt: m.deletedAt,
          undecryptable: m.kind === 'undecryptable', replyTo: m.replyTo ?? null, state: m.state,
          reactions: ctx.store.reactions.forMessage(m.id).map((r) => ({ from: who(r.sender), emoji: r.emoji, at: r.reactedAt })),
          attachment: file ? { name: file.fileName ?? '', file: null, size: file.size, mime: file.contentType } : null,
        },
      };
    }
    const last = page[page.length - 1]!;
    cursor = { at: last.sentAt, id: last.id };
  }
}
