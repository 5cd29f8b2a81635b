/** Group rows → the group DTOs of the IPC contract: the group with its members and timeline, and the per-message sender and receipts. */
import { MAX_GROUP_VERSIONS } from '../../shared/constants';
import type { GroupDto, MessageDto } from '../../shared/contract';
import type { GroupInfo } from '../groups/service';
import type { Messenger } from '../messenger/messenger';
import type { Message } from '../store';

/** Whether this account is an admin of a group it is still in. */
export const isAdmin = (m: Messenger, g: GroupInfo): boolean => g.status === 'member' && g.members.some((x) => x.accountId === m.keys.accountId && x.role === 'admin');

/** A group's timeline: the newest MAX_GROUP_VERSIONS state changes and its members' key changes, by time (a change first at a tie). */
function groupEvents(m: Messenger, groupId: string): GroupDto['events'] {
  const changes = m.groups.events(groupId).slice(-MAX_GROUP_VERSIONS).map((e) => ({ key: `v${e.height}`, text: e.text, at: e.at }));
  const keys = m.groups.keyChanges(groupId).map((k) => ({ key: `k${k.accountId}.${k.newAccountId}`, text: k.text, at: k.at }));
  if (keys.length === 0) return changes;
  return [...changes, ...keys].sort((a, b) => a.at - b.at); // stable: changes keep chain order
}

/** A group as the renderer shows it (see groupEvents for its timeline). */
export function groupView(m: Messenger, g: GroupInfo): GroupDto {
  const me = m.keys.accountId;
  return {
    id: g.id,
    name: g.name,
    status: g.status,
    admin: isAdmin(m, g),
    timerSeconds: g.timer,
    members: g.members.map((x) => ({ accountId: x.accountId, name: x.name, role: x.role, contact: x.contact, me: x.accountId === me, keyChanged: x.keyChanged })),
    events: groupEvents(m, g.id),
  };
}

/** The group a conversation id names, or null for a 1:1 conversation. */
export function groupOf(m: Messenger, conversationId: string): GroupInfo | null {
  return m.groups.hooks.isGroup(conversationId) ? m.groups.get(conversationId) : null;
}

/** Who sent an incoming group message and how many members confirmed our own: the two group-only fields of MessageDto. */
export function groupMessageFields(m: Messenger, row: Message, group: GroupInfo | null): Pick<MessageDto, 'sender' | 'receipts'> {
  if (!group) return { sender: null, receipts: null };
  if (row.direction === 'out') {
    const { delivered, read } = m.store.groups.receiptCounts(row.id);
    return { sender: null, receipts: { delivered, read, of: group.members.filter((x) => x.accountId !== m.keys.accountId).length } };
  }
  return { sender: shownSender(m, group, row.sender), receipts: null };
}

/** How a group shows the author of a message or reaction: member name (a former member's contact name, or any name a group shows them under) and whether they are a contact. */
export function shownSender(m: Messenger, group: GroupInfo, accountId: string): { accountId: string; name: string; contact: boolean } {
  const member = group.members.find((x) => x.accountId === accountId);
  const contact = m.store.contacts.get(accountId);
  const name = member?.name ?? contact?.name ?? m.groups.hooks.memberName(accountId) ?? 'Former member';
  return { accountId, name, contact: member ? member.contact : contact !== null };
}
