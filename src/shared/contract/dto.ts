/**
 * The data the renderer sees: display-ready views of main's state. No key
 * material ever appears in these shapes.
 */
import { z } from 'zod';
import { AUDIT_KINDS } from '../audit';
import { MAX_GROUP_MEMBERS, MAX_GROUP_VERSIONS } from '../constants';

/** Row ids (message, conversation, contact, attachment): url-safe, bounded. */
export const Id = z.string().min(1).max(80).regex(/^[A-Za-z0-9_-]+$/u, 'must be an id');

/** Position in a time-ordered list (time, then id to break ties), for paging backwards. */
export const Cursor = z.object({ at: z.number().int().nonnegative(), id: Id }).strict();
export type Cursor = z.infer<typeof Cursor>;

/** Whether the user checked a contact's safety number, and whether the contact's key changed since. */
export const TrustState = z.enum(['unverified', 'verified', 'changed']);
export type TrustState = z.infer<typeof TrustState>;

/** Which of two conflicting key changes of a contact: the one that arrived first or second. */
export const IdentityChoice = z.enum(['first', 'second']);
export type IdentityChoice = z.infer<typeof IdentityChoice>;

/** A contact as the UI lists it. */
export const ContactDto = z.object({
  id: Id,
  name: z.string(),
  accountId: z.string(),
  trust: TrustState,
  /** True while the contact's account key changed and the user has not accepted it; sending is blocked. */
  identityChangePending: z.boolean(),
  /** True when two different key changes arrived (issue 13 §1): neither is accepted until the user verifies and picks one. */
  identityConflict: z.boolean(),
  addedAt: z.number(),
});
export type ContactDto = z.infer<typeof ContactDto>;

/** Where a message stands: on its way out (queued to read), failed, or received. */
export const DeliveryState = z.enum(['queued', 'sent', 'delivered', 'read', 'failed', 'received']);
export type DeliveryState = z.infer<typeof DeliveryState>;

/** An attachment of a message and its transfer progress. */
export const AttachmentDto = z.object({
  id: Id,
  name: z.string(),
  mime: z.string(),
  size: z.number().int().nonnegative(),
  state: z.enum(['uploading', 'ready', 'downloading', 'failed', 'cancelled']),
  transferred: z.number().int().nonnegative(),
});
export type AttachmentDto = z.infer<typeof AttachmentDto>;

/** One message as the chat view shows it, with its reply preview, reactions and attachment. */
export const MessageDto = z.object({
  id: Id,
  conversationId: Id,
  direction: z.enum(['in', 'out']),
  text: z.string(),
  sentAt: z.number(),
  receivedAt: z.number().nullable(),
  state: DeliveryState,
  /** `from`: in a group, the shown name of the quoted message's sender when it is not ours; null otherwise. */
  replyTo: z.object({ id: Id, text: z.string(), direction: z.enum(['in', 'out']), from: z.string().nullable() }).nullable(),
  /** `from`: in a group, the shown name of who reacted when it is not us; null otherwise. */
  reactions: z.array(z.object({ emoji: z.string(), by: z.enum(['me', 'them']), from: z.string().nullable() })),
  editedAt: z.number().nullable(),
  deleted: z.boolean(),
  expiresAt: z.number().nullable(),
  attachment: AttachmentDto.nullable(),
  /** 'undecryptable': a placeholder for a message that did not decrypt; the sender was asked to send it again, and it is replaced when it arrives. */
  kind: z.enum(['text', 'undecryptable']),
  /** In a group, who sent an incoming message: their account, shown name, and whether they are a contact (else "not in your contacts"); null for 1:1 and own messages. */
  sender: z.object({ accountId: z.string(), name: z.string(), contact: z.boolean() }).nullable(),
  /** On our own group messages: how many other members confirmed it ("delivered to 3 of 4", "read by 2"); null otherwise. */
  receipts: z.object({ delivered: z.number().int().nonnegative(), read: z.number().int().nonnegative(), of: z.number().int().nonnegative() }).nullable(),
});
export type MessageDto = z.infer<typeof MessageDto>;

const ConversationBase = {
  id: Id,
  title: z.string(),
  lastMessage: z.object({ text: z.string(), at: z.number(), direction: z.enum(['in', 'out']) }).nullable(),
  unread: z.number().int().nonnegative(),
  disappearingSeconds: z.number().int().positive().nullable(),
  updatedAt: z.number(),
};

/** A 1:1 conversation: the contact it is with and that contact's trust state. */
export const DirectConversationDto = z.object({
  kind: z.literal('direct'),
  ...ConversationBase,
  contactId: Id,
  identityChangePending: z.boolean(),
  /** See ContactDto.identityConflict. */
  identityConflict: z.boolean(),
  verified: z.boolean(),
});
export type DirectConversationDto = z.infer<typeof DirectConversationDto>;

/** A group conversation (its id is the group id): member count, whether this account is still in it, and whether it is an admin. */
export const GroupConversationDto = z.object({
  kind: z.literal('group'),
  ...ConversationBase,
  memberCount: z.number().int().nonnegative(),
  status: z.enum(['member', 'removed', 'left']),
  admin: z.boolean(),
});
export type GroupConversationDto = z.infer<typeof GroupConversationDto>;

/** One conversation as the conversation list shows it: title, last message preview, unread count, timer; 1:1 or group. */
export const ConversationDto = z.discriminatedUnion('kind', [DirectConversationDto, GroupConversationDto]);
export type ConversationDto = z.infer<typeof ConversationDto>;

/** The session state: whether an account exists and is unlocked, and how its store is protected. */
export const SessionDto = z.object({
  status: z.enum(['new', 'locked', 'unlocked']),
  name: z.string().nullable(),
  accountId: z.string().nullable(),
  /** How the local store is protected. */
  protection: z.object({ passphrase: z.boolean(), keychain: z.boolean() }),
  /** Whether the OS keychain can protect the store on this machine. */
  keychain: z.enum(['available', 'unavailable', 'insecure']),
  /** Wait before the next unlock attempt is accepted (backoff after failures). */
  unlockRetryInMs: z.number().int().nonnegative(),
  /** True while the just-created phrase still has to be confirmed. */
  phrasePendingConfirmation: z.boolean(),
});
export type SessionDto = z.infer<typeof SessionDto>;

/** The settings the user can change. */
export const SettingsDto = z.object({
  typingIndicators: z.boolean(),
  readReceipts: z.boolean(),
  notificationPreviews: z.boolean(),
  relayUrl: z.string(),
});
export type SettingsDto = z.infer<typeof SettingsDto>;

/** One search result: the matching message with a snippet around the match. */
export const SearchHitDto = z.object({
  messageId: Id,
  conversationId: Id,
  title: z.string(),
  snippet: z.string(),
  sentAt: z.number(),
});
export type SearchHitDto = z.infer<typeof SearchHitDto>;

/** One of this account's desktops, for the devices screen. */
export const DeviceDto = z.object({
  id: z.string(),
  name: z.string(),
  linkedAt: z.number(),
  /** When this device last heard from it (null: never, or this device). */
  lastSeenAt: z.number().nullable(),
  isThisDevice: z.boolean(),
});
export type DeviceDto = z.infer<typeof DeviceDto>;

/** Progress of a transfer that takes a while: linking (new device), provisioning (existing device), restoring from a backup, exporting. */
export const TransferProgressDto = z.object({
  kind: z.enum(['link', 'provision', 'restore', 'export']),
  stage: z.enum(['waiting', 'packing', 'sending', 'receiving', 'importing', 'done', 'failed']),
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});
export type TransferProgressDto = z.infer<typeof TransferProgressDto>;

/** When the last encrypted backup ran and how it went. */
export const BackupStatusDto = z.object({
  lastBackupAt: z.number().nullable(),
  status: z.enum(['idle', 'ok', 'failed', 'running']),
  error: z.string().nullable(),
});
export type BackupStatusDto = z.infer<typeof BackupStatusDto>;

/** One audit log row: when, what, and its small detail (ids, counts, reason codes; never content). */
export const AuditEntryDto = z.object({
  id: z.number().int().positive(),
  at: z.number(),
  kind: z.enum(AUDIT_KINDS),
  detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
});
export type AuditEntryDto = z.infer<typeof AuditEntryDto>;

/** The session with one of a contact's devices, for the session health view. */
export const DeviceHealthDto = z.object({
  deviceId: z.string(),
  hasSession: z.boolean(),
  establishedAt: z.number().nullable(),
  sessionAgeMs: z.number().nonnegative().nullable(),
  lastDhStepAt: z.number().nullable(),
  messagesSinceDhStep: z.number().int().nonnegative().nullable(),
  messagesSent: z.number().int().nonnegative(),
  messagesReceived: z.number().int().nonnegative(),
  skippedKeysHeld: z.number().int().nonnegative(),
  archivedStates: z.number().int().nonnegative(),
  awaitingReply: z.boolean(),
  decryptFailures: z.number().int().nonnegative(),
  repairs: z.number().int().nonnegative(),
});
export type DeviceHealthDto = z.infer<typeof DeviceHealthDto>;

/**
 * One member of a group as the member list shows them: shown name (contact name, else the name they chose), role, whether they are a contact or
 * this account, and whether they sent a signed safety-number change (their new key is not in the group until an admin adds it).
 */
export const GroupMemberDto = z.object({
  accountId: z.string(),
  name: z.string(),
  role: z.enum(['admin', 'member']),
  contact: z.boolean(),
  me: z.boolean(),
  keyChanged: z.boolean(),
});
export type GroupMemberDto = z.infer<typeof GroupMemberDto>;

/** A group: name, this account's standing in it, members with roles, and its membership and state changes as sentences ("Ada added Bob"), oldest first. */
export const GroupDto = z.object({
  id: Id,
  name: z.string(),
  status: z.enum(['member', 'removed', 'left']),
  admin: z.boolean(),
  timerSeconds: z.number().int().positive().nullable(),
  members: z.array(GroupMemberDto).max(MAX_GROUP_MEMBERS),
  /**
   * Oldest first, each with when this device adopted it (`at`, ms; signed
   * versions carry no time), so the chat places it among the messages.
   * `key` is unique in the group (a version's height, or a member's key change).
   */
  events: z.array(z.object({ key: z.string().max(128), text: z.string(), at: z.number().int().nonnegative() })).max(MAX_GROUP_VERSIONS + MAX_GROUP_MEMBERS),
});
export type GroupDto = z.infer<typeof GroupDto>;
