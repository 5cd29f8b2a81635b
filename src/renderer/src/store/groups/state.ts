import type { GroupDto } from '../../../../shared/contract';
import type { UiError } from '../types';

/**
 * When this window first saw each timeline event of a group. Signed versions
 * carry no time, so events already held when the group was first seen here
 * have none (`null`: shown before the loaded messages) and events that arrive
 * later in the session take their arrival time (shown among the messages).
 */
export type EventTimes = Readonly<Record<number, number | null>>;

/** State and actions of the groups slice. */
export interface GroupsSlice {
  /** Groups this window read or was pushed, by id. */
  readonly groups: Readonly<Record<string, GroupDto>>;
  /** Group id → height → when this window first saw that event (see EventTimes). */
  readonly groupEventTimes: Readonly<Record<string, EventTimes>>;
  readonly groupError: UiError | null;
  /** Reads one group (the chat header and member list call it for the open group). */
  loadGroup(groupId: string): Promise<void>;
  /** Creates a group; returns it, or null with `groupError` set. */
  createGroup(name: string, contactIds: readonly string[]): Promise<GroupDto | null>;
  /** Each change resolves true when main accepted it; false with `groupError` set otherwise. */
  addGroupMembers(groupId: string, contactIds: readonly string[]): Promise<boolean>;
  removeGroupMember(groupId: string, accountId: string): Promise<boolean>;
  makeGroupAdmin(groupId: string, accountId: string): Promise<boolean>;
  leaveGroup(groupId: string): Promise<boolean>;
  clearGroupError(): void;
  /** Subscribes to groupsChanged; returns the unsubscribe function. */
  watchGroups(): () => void;
}
