/**
 * The group commands on an open Messenger, each returning the lines it
 * prints (as commands.ts): `group create|add|remove|new-key|leave`, `groups`,
 * `send --group` and `history --group`. Members show under their contact
 * name, or the display name they chose when they are not a contact.
 */
import type { Messenger } from '../main/messenger/messenger';
import type { GroupInfo } from '../main/groups/service';
import { historyLine, type Output } from './commands';
import type { Command } from './args';
import { sendFile } from './sendFile';
import { ChatError } from '../main/account/errors';

/** A group as `group create` and `groups` print it. */
export const groupLine = (g: GroupInfo): Record<string, unknown> => ({ id: g.id, name: g.name, members: g.members.map((m) => m.name) });

const human = (g: GroupInfo): string => `${g.name}\t${g.members.map((m) => m.name).join(', ')}`;

/** The name an account goes by in a group (contact name, the name they chose, or "me"). */
export function senderName(messenger: Messenger, groupId: string, accountId: string): string {
  if (accountId === messenger.keys.accountId) return 'me';
  return messenger.groups.get(groupId).members.find((m) => m.accountId === accountId)?.name ?? messenger.contacts.list().find((c) => c.accountId === accountId)?.name ?? messenger.groups.hooks.memberName(accountId) ?? accountId;
}

/** Runs one group command (or a `send`/`history` with --group). */
export async function runGroupCommand(messenger: Messenger, cmd: Extract<Command, { name: 'group-create' | 'group-add' | 'group-remove' | 'group-new-key' | 'group-leave' | 'groups' | 'send' | 'history' }>): Promise<Output[]> {
  const g = messenger.groups;
  switch (cmd.name) {
    case 'group-create': {
      const created = await g.create(cmd.groupName, cmd.members.map((n) => messenger.contacts.byName(n).accountId));
      return [{ json: { group: groupLine(created) }, human: `Created ${human(created)}` }];
    }
    case 'group-add': {
      const group = g.byName(cmd.groupName);
      const after = await g.add(group.id, [messenger.contacts.byName(cmd.contactName).accountId]);
      return [{ json: { group: groupLine(after) }, human: `Added ${cmd.contactName} to ${after.name}.` }];
    }
    case 'group-remove': {
      const group = g.byName(cmd.groupName);
      const after = await g.remove(group.id, [g.memberByName(group.id, cmd.memberName)]);
      return [{ json: { group: groupLine(after) }, human: `Removed ${cmd.memberName} from ${after.name}.` }];
    }
    case 'group-new-key': {
      const group = g.byName(cmd.groupName);
      const after = await g.adoptMemberKey(group.id, g.memberByName(group.id, cmd.memberName));
      return [{ json: { group: groupLine(after) }, human: `Put ${cmd.memberName}’s new key in ${after.name}.` }];
    }
    case 'group-leave': {
      const left = await g.leave(g.byName(cmd.groupName).id);
      return [{ json: { left: { id: left.id, name: left.name } }, human: `You left ${left.name}.` }];
    }
    case 'groups':
      return g.list().filter((x) => x.status === 'member').map((x) => ({ json: groupLine(x), human: human(x) }));
    case 'send': {
      const group = g.byName(cmd.groupName ?? '');
      if (cmd.replyTo !== null && messenger.store.messages.get(cmd.replyTo)?.conversationId !== group.id) throw new ChatError('CHAT_UNKNOWN_MESSAGE', 'There is no message with that id in this group.');
      const m = cmd.file === null ? await g.sendText(group.id, cmd.text!, { replyTo: cmd.replyTo ?? undefined }) : await sendFile(messenger, group.id, cmd.file);
      return [{ json: { id: m.id }, human: `Queued ${m.id}.` }];
    }
    case 'history': {
      const group = g.byName(cmd.groupName ?? '');
      return g.history(group.id, Math.min(cmd.limit, 500)).map((m) => {
        const line = historyLine(messenger, m, senderName(messenger, group.id, m.sender));
        return { json: { ...line.json, group: group.name }, human: line.human };
      });
    }
  }
}
