/** What the group service refused, each with one sentence a person can act on. */
import { ParleyError } from '../../shared/errors';

/** Why a group action was refused. */
export type GroupErrorCode =
  /** No group by that id or name here. */
  | 'GROUP_UNKNOWN'
  /** Two groups have that name; the id tells them apart. */
  | 'GROUP_AMBIGUOUS'
  /** This account is no longer a member (removed, or left). */
  | 'GROUP_NOT_MEMBER'
  /** Only an admin can change the group. */
  | 'GROUP_NOT_ADMIN'
  /** The account named is not a member (remove), already one (add), or not a contact (add, create). */
  | 'GROUP_BAD_MEMBER'
  /** The group name is empty or too long. */
  | 'GROUP_BAD_NAME'
  /** The member sent no key change this device accepted (nothing to add), or two different ones (the user must tell which, by removing them). */
  | 'GROUP_NO_KEY_CHANGE'
  | 'GROUP_KEY_CONFLICT';

/** The error the group service raises. */
export class GroupError extends ParleyError<GroupErrorCode> {}
