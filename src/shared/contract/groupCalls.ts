/**
 * The group calls of the contract (docs/protocol.md §8): create, read and
 * change a group, leave it, and read a member's safety number. Sending,
 * replies, reactions, edits, deletes, receipts and attachments in a group go
 * through the conversation calls, with the group id as the conversation id.
 */
import { z } from 'zod';
import { MAX_GROUP_MEMBERS, MAX_GROUP_NAME_CHARS } from '../constants';
import { GroupDto } from './dto';

const req = <T extends z.ZodRawShape>(shape: T) => z.object(shape).strict();
/** Group ids and account ids: 32 bytes, base64url. */
const KeyId = z.string().regex(/^[A-Za-z0-9_-]{43}$/u, 'must be a 43-character id');
const GroupName = z.string().trim().min(1, 'cannot be empty').max(MAX_GROUP_NAME_CHARS, `is at most ${MAX_GROUP_NAME_CHARS} characters`);
const Contacts = z.array(KeyId).min(1, 'needs at least one contact').max(MAX_GROUP_MEMBERS - 1);

/** Calls about groups. */
export const groupCalls = {
  /** Creates a group of this account (admin) and the given contacts, with a name. */
  createGroup: { request: req({ name: GroupName, contactIds: Contacts }), response: GroupDto },
  /** One group with its members and timeline events (also pushed as `groupsChanged`). */
  getGroup: { request: req({ groupId: KeyId }), response: GroupDto },
  /** Adds contacts (admins only); they read nothing sent before. */
  addGroupMembers: { request: req({ groupId: KeyId, contactIds: Contacts }), response: GroupDto },
  /** Removes a member (admins only); they read nothing sent after. */
  removeGroupMember: { request: req({ groupId: KeyId, accountId: KeyId }), response: GroupDto },
  /** Puts a member's new key (their signed safety-number change) in the group in place of the old one (admins only; docs/protocol.md §8.7). */
  adoptGroupMemberKey: { request: req({ groupId: KeyId, accountId: KeyId }), response: GroupDto },
  /** Makes a member an admin (admins only). */
  makeGroupAdmin: { request: req({ groupId: KeyId, accountId: KeyId }), response: GroupDto },
  /** Leaves the group; its history stays readable here. */
  leaveGroup: { request: req({ groupId: KeyId }), response: GroupDto },
  /** The safety number with any other member, contact or not (it is over account keys); `verified` only for a verified contact. */
  getGroupSafetyNumber: {
    request: req({ groupId: KeyId, accountId: KeyId }),
    response: z.object({ groups: z.array(z.string()), qrSvg: z.string(), verified: z.boolean() }),
  },
} as const;
