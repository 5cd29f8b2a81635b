import type { GroupDto } from '../../../../shared/contract';
import type { UiError } from '../types';

/** State and actions of the groups slice. */
export interface GroupsSlice {
  /** Groups this window read or was pushed, by id. */
  readonly groups: Readonly<Record<string, GroupDto>>;
  readonly groupError: UiError | null;
  /** Reads one group (the chat header and member list call it for the open group). */
  loadGroup(groupId: string): Promise<void>;
  /** Creates a group; returns it, or null with `groupError` set. */
  createGroup(name: string, contactIds: readonly string[]): Promise<GroupDto | null>;
  /** Each change resolves true when main accepted it; false with `groupError` set otherwise. */
  addGroupMembers(groupId: string, contactIds: readonly string[]): Promise<boolean>;
  removeGroupMember(groupId: string, accountId: string): Promise<boolean>;
  makeGroupAdmin(groupId: string, accountId: string): Promise<boolean>;
  adoptGroupMemberKey(groupId: string, accountId: string): Promise<boolean>;
  leaveGroup(groupId: string): Promise<boolean>;
  clearGroupError(): void;
  /** Subscribes to groupsChanged; returns the unsubscribe function. */
  watchGroups(): () => void;
}
