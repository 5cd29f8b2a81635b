/**
 * The conversation commands as a table: each maps its parsed arguments to
 * one core call on an open Messenger and returns the lines it prints (the
 * JSON object, and the sentence a person reads). `parley COMMAND` runs one
 * per process; the daemon's methods of the same names (daemonConversation.ts)
 * build the same command from their params and run it here, so both say
 * the same.
 */
import type { Messenger } from '../main/messenger/messenger';
import type { Message } from '../main/store';
import { ChatError } from '../main/account/errors';
import { count } from '../shared/count';
import type { Command } from './args';
import { undecryptableNotice } from './inbox';
import { sendFile } from './sendFile';

/** One printed result: the object `--json` prints and the line a person reads. */
export interface Output {
  readonly json: Record<string, unknown>;
  readonly human: string;
}

/** The commands in the table (their names and parsed arguments, as parseArgs makes them). `export` runs only once the caller has asked (or been told yes). */
export type ConversationCommand = Extract<Command, { name: 'send' | 'edit' | 'delete' | 'react' | 'read' | 'timer' | 'history' | 'export' }>;

type Handler<K extends ConversationCommand['name']> = (messenger: Messenger, cmd: Extract<ConversationCommand, { name: K }>) => Promise<Output[]>;

/** The message `id` in the conversation with `accountId`, or CHAT_UNKNOWN_MESSAGE (a message id of another conversation is refused too). */
export function messageIn(messenger: Messenger, accountId: string, id: string): Message {
  const m = messenger.store.messages.get(id);
  if (!m || m.conversationId !== accountId) throw new ChatError('CHAT_UNKNOWN_MESSAGE', 'There is no message with that id in this conversation.');
  return m;
}

/** A history line: the message with its edit time, deletion, reactions, reply and delivery state. */
export function historyLine(messenger: Messenger, m: Message, contactName: string): Output {
  const me = messenger.keys.accountId;
  const from = m.direction === 'out' ? 'me' : contactName;
  const time = new Date(m.sentAt).toISOString();
  if (m.kind === 'undecryptable') return { json: { type: 'undecryptable', id: m.id, from, sentAt: m.sentAt, message: undecryptableNotice(contactName) }, human: `${time} ${undecryptableNotice(contactName)}` };
  const reactions = messenger.store.reactions.forMessage(m.id).map((r) => ({ from: r.sender === me ? 'me' : contactName, emoji: r.emoji }));
  const a = messenger.store.attachments.forMessage(m.id)[0];
  const json = {
    type: 'text', id: m.id, from, text: m.body, sentAt: m.sentAt, state: m.state, editedAt: m.editedAt, deleted: m.deletedAt !== null, reactions, replyTo: m.replyTo ?? null,
    ...(a ? { attachment: { name: a.fileName ?? '', size: a.size, mime: a.contentType } } : {}),
  };
  const marks = [m.deletedAt !== null ? '(deleted)' : '', m.editedAt !== null ? '(edited)' : '', m.state === 'failed' ? '(not delivered)' : '', ...reactions.map((r) => r.emoji)].filter((x) => x !== '');
  return { json, human: `${time} ${from}: ${m.body}${marks.length > 0 ? ` ${marks.join(' ')}` : ''}` };
}

/** The conversation a command names: a contact (NAME) or, with --group, a group; its id is the conversation id. */
function conversationOf(messenger: Messenger, cmd: { readonly contactName: string; readonly groupName?: string | undefined }): { readonly id: string; readonly name: string; readonly group: boolean } {
  if (cmd.groupName !== undefined) {
    const g = messenger.groups.byName(cmd.groupName);
    return { id: g.id, name: g.name, group: true };
  }
  const c = messenger.contacts.byName(cmd.contactName);
  return { id: c.accountId, name: c.name, group: false };
}

const send: Handler<'send'> = async (messenger, cmd) => {
  const c = messenger.contacts.byName(cmd.contactName);
  if (cmd.replyTo !== null) messageIn(messenger, c.accountId, cmd.replyTo);
  // Committed to the outbox when this resolves; the service flushes it to the relay in the background.
  const m = cmd.file === null ? await messenger.conversations.sendText(c.accountId, cmd.text ?? '', { replyTo: cmd.replyTo ?? undefined }) : await sendFile(messenger, c.accountId, cmd.file);
  return [{ json: { id: m.id, sentAt: m.sentAt }, human: `Queued ${m.id}.` }];
};

const exportConversations: Handler<'export'> = async (messenger, cmd) => {
  const ids = cmd.groupName !== undefined ? [messenger.groups.byName(cmd.groupName).id] : cmd.contactName === null ? null : [messenger.contacts.byName(cmd.contactName).accountId];
  const r = await messenger.exports.write({ conversationIds: ids, format: cmd.format, out: cmd.out });
  return [{ json: { exported: r }, human: `Exported ${count(r.conversations, 'conversation')} (${count(r.messages, 'message')}, ${count(r.attachments, 'file')}) to ${r.out}.` }];
};

const edit: Handler<'edit'> = async (messenger, cmd) => {
  const c = conversationOf(messenger, cmd);
  const m = await messenger.conversations.editMessage(messageIn(messenger, c.id, cmd.id).id, cmd.text);
  return [{ json: { edited: m.id }, human: `Edited ${m.id}.` }];
};

const remove: Handler<'delete'> = async (messenger, cmd) => {
  const c = conversationOf(messenger, cmd);
  await messenger.conversations.deleteMessage(messageIn(messenger, c.id, cmd.id).id, cmd.forEveryone);
  return [{ json: { deleted: cmd.id }, human: `Deleted ${cmd.id}${cmd.forEveryone ? ' for everyone' : ''}.` }];
};

const react: Handler<'react'> = async (messenger, cmd) => {
  const c = conversationOf(messenger, cmd);
  await messenger.conversations.react(messageIn(messenger, c.id, cmd.id).id, cmd.emoji);
  return [{ json: { reacted: cmd.id, emoji: cmd.emoji }, human: cmd.emoji === null ? `Removed your reaction to ${cmd.id}.` : `Reacted ${cmd.emoji} to ${cmd.id}.` }];
};

const read: Handler<'read'> = async (messenger, cmd) => {
  const c = conversationOf(messenger, cmd);
  const unread = messenger.store.messages.unreadIncomingIds(c.id).length;
  await messenger.conversations.markRead(c.id);
  return [{ json: { read: c.name, messages: unread }, human: `Marked ${count(unread, 'message')} from ${c.name} read.` }];
};

const timer: Handler<'timer'> = async (messenger, cmd) => {
  const c = conversationOf(messenger, cmd);
  // A group's timer is part of its signed state (an admin's change); a contact's is conversation content.
  if (c.group) await messenger.groups.setTimer(c.id, cmd.seconds);
  else await messenger.conversations.setDisappearingTimer(c.id, cmd.seconds);
  return [{ json: { timer: c.name, seconds: cmd.seconds }, human: cmd.seconds === null ? `Disappearing messages are off in ${c.name}.` : `Messages in ${c.name} disappear after ${cmd.seconds} s.` }];
};

const history: Handler<'history'> = (messenger, cmd) => {
  const c = messenger.contacts.byName(cmd.contactName);
  return Promise.resolve(messenger.conversations.history(c.accountId, Math.min(cmd.limit, 500)).map((m) => historyLine(messenger, m, c.name)));
};

/** Every conversation command by name; each returns the lines to print and leaves sending to the outbox (the caller flushes). */
export const CONVERSATION_COMMANDS: { readonly [K in ConversationCommand['name']]: Handler<K> } = { send, edit, delete: remove, react, read, timer, history, export: exportConversations };

/** Runs one conversation command from the table. */
export function runConversationCommand(messenger: Messenger, cmd: ConversationCommand): Promise<Output[]> {
  return (CONVERSATION_COMMANDS[cmd.name] as (m: Messenger, c: ConversationCommand) => Promise<Output[]>)(messenger, cmd);
}
