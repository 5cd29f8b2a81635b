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

/** A word as the shell reads it back (quoted when it has spaces or quotes). */
const shellWord = (s: string): string => (/^[\w@%+=:,./-]+$/u.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`);

/**
 * A group as `groups` lists it: `keyChanged` names the members whose safety
 * number changed (they get no group messages until an admin adds their new
 * key) and `role` is this account's (null when its current key is not
 * listed: its own safety number changed, and the group refuses its
 * messages until an admin adds the new key). The text marks those members
 * and says what to do: the command for an admin, who must act otherwise.
 */
function listed(messenger: Messenger, g: GroupInfo): Output {
  const role = g.members.find((m) => m.accountId === messenger.keys.accountId)?.role ?? null;
  const changed = g.members.filter((m) => m.keyChanged).map((m) => m.name);
  const names = g.members.map((m) => (m.keyChanged ? `${m.name} (safety number changed)` : m.name)).join(', ');
  const notes = changed.map((name) => (role === 'admin'
    ? `  ${name}’s safety number changed. To add their new key: parley group new-key ${shellWord(g.name)} ${shellWord(name)}`
    : `  ${name}’s safety number changed. They get no group messages until an admin adds their new key.`));
  if (role === null) notes.push('  Your safety number changed. The group refuses your messages until an admin adds your new key.');
  return { json: { ...groupLine(g), keyChanged: changed, role }, human: [`${g.name}\t${names}`, ...notes].join('\n') };
}

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
      return g.list().filter((x) => x.status === 'member').map((x) => listed(messenger, x));
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
