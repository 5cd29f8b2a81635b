/** Store rows → the display DTOs of the IPC contract. No key material is ever mapped. */
import type { ContactDto, ConversationDto, MessageDto, SearchHitDto } from '../../shared/contract';
import type { Messenger } from '../messenger/messenger';
import type { ContactRow } from '../store/contacts';
import type { Message } from '../store';
import { groupMessageFields, groupOf, isAdmin, shownSender } from './groupViews';
import type { GroupInfo } from '../groups/service';

const SNIPPET_CHARS = 120;

/** A contact as the renderer shows it. */
export function contactView(c: ContactRow): ContactDto {
  return { id: c.accountId, name: c.name, accountId: c.accountId, trust: c.trust, identityChangePending: c.pendingAccountId !== null, identityConflict: c.conflictAccountId !== null, addedAt: c.addedAt };
}

/**
 * One message row as the renderer shows it: reply snippet, reactions and
 * attachment state included; in a group also its sender or receipts
 * (`group`: the row's group when the caller read it already, for a page of rows).
 */
export function messageView(m: Messenger, row: Message, group: GroupInfo | null = groupOf(m, row.conversationId)): MessageDto {
  const me = m.keys.accountId;
  const reply = row.replyTo ? m.store.messages.get(row.replyTo) : null;
  const attachment = m.store.attachments.forMessage(row.id)[0];
  const deleted = row.deletedAt !== null;
  const from = (accountId: string): string | null => (group && accountId !== me ? shownSender(m, group, accountId).name : null);
  return {
    id: row.id,
    conversationId: row.conversationId,
    direction: row.direction,
    text: deleted ? '' : row.body,
    sentAt: row.sentAt,
    receivedAt: row.direction === 'in' ? row.receivedAt : null,
    state: row.direction === 'in' ? 'received' : row.state,
    replyTo: reply ? { id: reply.id, text: reply.deletedAt !== null ? '' : reply.body.slice(0, SNIPPET_CHARS), direction: reply.direction, from: from(reply.direction === 'in' ? reply.sender : me) } : null,
    reactions: m.store.reactions.forMessage(row.id).map((r) => ({ emoji: r.emoji, by: r.sender === me ? 'me' : 'them', from: from(r.sender) })),
    editedAt: row.editedAt,
    deleted,
    expiresAt: row.expiresAt ?? null,
    attachment: attachment
      ? { id: attachment.id, name: attachment.fileName ?? 'file', mime: attachment.contentType, size: attachment.size, state: attachment.localPath ? 'ready' : 'downloading', transferred: attachment.localPath ? attachment.size : 0 }
      : null,
    kind: row.kind,
    ...groupMessageFields(m, row, group),
  };
}

/**
 * The conversation list, newest activity first: two queries whatever its
 * length (the contacts, and one summary statement for conversations, their
 * newest message and unread counts).
 */
export function conversationViews(m: Messenger, limit: number): ConversationDto[] {
  const contacts = new Map(m.contacts.list().map((c) => [c.accountId, c]));
  return m.store.messages.conversationSummaries(limit).flatMap((c): ConversationDto[] => {
    const last = c.last;
    const base = {
      id: c.id,
      lastMessage: last ? { text: last.deleted ? 'Message deleted' : last.body.slice(0, SNIPPET_CHARS), at: last.sentAt, direction: last.direction } : null,
      unread: c.unread,
      disappearingSeconds: c.expireTimerMs === null ? null : Math.round(c.expireTimerMs / 1000),
      updatedAt: c.lastMessageAt,
    };
    if (c.kind === 'group') {
      const g = groupOf(m, c.id);
      if (!g) return [];
      return [{ kind: 'group', ...base, title: g.name, memberCount: g.members.length, status: g.status, admin: isAdmin(m, g) }];
    }
    const contact = contacts.get(c.id) ?? (c.peerAccountId === null ? undefined : contacts.get(c.peerAccountId));
    if (!contact) return [];
    return [
      {
        kind: 'direct',
        ...base,
        contactId: contact.accountId,
        title: contact.name,
        identityChangePending: contact.pendingAccountId !== null,
        identityConflict: contact.conflictAccountId !== null,
        verified: contact.trust === 'verified',
      },
    ];
  });
}

/** Search hits with their conversation's title and a snippet. */
export function searchViews(m: Messenger, rows: readonly Message[]): SearchHitDto[] {
  const names = new Map(m.contacts.list().map((c) => [c.accountId, c.name]));
  const title = (id: string): string => names.get(id) ?? groupOf(m, id)?.name ?? 'Unknown';
  return rows.map((r) => ({ messageId: r.id, conversationId: r.conversationId, title: title(r.conversationId), snippet: r.body.slice(0, SNIPPET_CHARS), sentAt: r.sentAt }));
}
