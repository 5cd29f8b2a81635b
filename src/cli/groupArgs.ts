/** The group commands' arguments: `group create|add|remove|new-key|leave …` and `groups`; mistakes are CLI_USAGE errors (args.ts). */

/** One parsed group command. */
export type GroupCommand =
  | { readonly name: 'group-create'; readonly groupName: string; readonly members: readonly string[] }
  | { readonly name: 'group-add'; readonly groupName: string; readonly contactName: string }
  | { readonly name: 'group-remove'; readonly groupName: string; readonly memberName: string }
  | { readonly name: 'group-new-key'; readonly groupName: string; readonly memberName: string }
  | { readonly name: 'group-leave'; readonly groupName: string }
  | { readonly name: 'groups' };

/** The usage lines of the group commands. */
export const GROUP_USAGE = `  group create NAME --members A,B[,…]   create a group with contacts
  group add GROUP CONTACT       add a contact to a group (admins)
  group remove GROUP MEMBER     remove a member, by contact name or the name they chose (admins)
  group new-key GROUP MEMBER    put a member's new key (their safety number changed) in the group (admins)
  group leave GROUP             leave a group
  groups                        list your groups`;

/** The argument helpers of args.ts the group parser uses. */
export interface ArgTools {
  one(rest: string[], what: string): string;
  takeFlag(rest: string[], flag: string): string | null;
  usage(message: string): never;
}

/** Parses `groups` or `group SUB …` from `rest` (consumed). */
export function parseGroupCommand(verb: 'group' | 'groups', rest: string[], t: ArgTools): GroupCommand {
  if (verb === 'groups') return { name: 'groups' };
  const sub = rest.shift();
  switch (sub) {
    case 'create': {
      const list = t.takeFlag(rest, '--members') ?? t.usage('group create needs --members A,B.');
      const members = list.split(',').map((x) => x.trim()).filter((x) => x !== '');
      if (members.length === 0) t.usage('--members names at least one contact.');
      return { name: 'group-create', groupName: t.one(rest, 'group name'), members };
    }
    case 'add': {
      const groupName = t.one(rest, 'group name');
      return { name: 'group-add', groupName, contactName: t.one(rest, 'contact name') };
    }
    case 'remove':
    case 'new-key': {
      const groupName = t.one(rest, 'group name');
      return { name: sub === 'remove' ? 'group-remove' : 'group-new-key', groupName, memberName: t.one(rest, 'member name') };
    }
    case 'leave':
      return { name: 'group-leave', groupName: t.one(rest, 'group name') };
    default:
      return t.usage('Did you mean “group create”, “group add”, “group remove”, “group new-key” or “group leave”?');
  }
}
