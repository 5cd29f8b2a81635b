/**
 * A member of our groups changed their account key (a rotated recovery
 * phrase, docs/protocol.md §6.6, §8.7). The signed `accountKeyChange` is
 * checked exactly as a contact's is — signed by the old account key, from
 * a device of that account's verified list (the receive path vouched for
 * it) — and then shown in every group we share with them: a timeline line
 * at the time it arrived and a mark on the member, until an admin puts the
 * new key in the group (`GroupService.adoptMemberKey`). From a sender who is
 * not a contact, nothing changes when they are in none of our groups or the
 * signature does not verify; both leave an audit entry. A contact's change
 * is audited (and refused) by the contact path.
 */
import { verifyKeyChange } from '../account/rotation';
import type { ChatContext } from '../conversations/context';
import type { GroupMemberRow } from '../store';
import { shownName } from './members';

/** A key-change line of a group's timeline. */
export interface KeyChangeEvent {
  /** The member's account id as the signed member list names them (the old key). */
  readonly accountId: string;
  readonly newAccountId: string;
  /** Ms; when this device accepted the change. */
  readonly at: number;
  /** The member's shown name (contact name, the name they chose, or the adding admin's). */
  readonly name: string;
  readonly text: string;
}

/** Inside the receive transaction: records a member's signed key change in each group we share; returns the groups it changed. */
export function receiveMemberKeyChange(ctx: ChatContext, accountId: string, newAccountId: string, signature: string, contact: boolean): string[] {
  const groups = ctx.store.groups.groupsWithMember(accountId);
  const refuse = (reason: string): string[] => {
    if (!contact) ctx.audit('group.rejected', { accountId, reason });
    return [];
  };
  if (groups.length === 0) return contact ? [] : refuse('NOT_A_MEMBER');
  if (!verifyKeyChange(accountId, newAccountId, signature)) return refuse('GROUP_BAD_KEY_CHANGE');
  const now = ctx.now();
  const changed = groups.filter((g) => ctx.store.groups.addKeyChange(g, accountId, newAccountId, now));
  if (changed.length > 0 && !contact) ctx.audit('safety_number.changed', { accountId, newAccountId, count: changed.length });
  return changed;
}

/** The key changes of a group's members as timeline lines, oldest first. */
export function keyChangeEvents(ctx: ChatContext, groupId: string): KeyChangeEvent[] {
  const members = new Map<string, GroupMemberRow>(ctx.store.groups.members(groupId).map((m) => [m.accountId, m]));
  return ctx.store.groups.keyChanges(groupId).map((k) => {
    // Once an admin put the new key in (adoptMemberKey), the member is listed under it.
    const m = members.get(k.accountId) ?? members.get(k.newAccountId);
    const name = m ? shownName(ctx, m).name : (ctx.contacts.get(k.accountId)?.name ?? 'A former member');
    return { ...k, name, text: `${name}’s safety number changed` };
  });
}

/** The members of a group whose key changed (shown with a mark in the member list). */
export function keyChangedMembers(ctx: ChatContext, groupId: string): Set<string> {
  return new Set(ctx.store.groups.keyChanges(groupId).map((k) => k.accountId));
}
