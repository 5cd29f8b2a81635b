/**
 * The snapshot data model shared by backups and device linking: a plain,
 * JSON-able AccountState and MessageRecords, with the zod schemas every
 * import runs first. Imported data comes from the network, so each schema
 * is strict (unknown keys rejected), every string and list is bounded, and
 * a failure is a typed SnapshotError that names the field, never its value.
 */
import { z } from 'zod';
import { MAX_GROUP_MEMBERS, MAX_GROUP_VERSIONS, RELAY_MAX_DEVICES, SNAPSHOT_MAX_REACTIONS, SNAPSHOT_MAX_TEXT_CHARS } from '../../shared/constants';
import { ParleyError } from '../../shared/errors';
import { publicKeyFromId } from '../../shared/wire/deviceList';

/** Why a snapshot import was refused; in every case nothing was written. */
export type SnapshotErrorCode =
  /** The data does not match the snapshot schema (wrong type, unknown key, out of range). Nothing was written. */
  | 'SNAPSHOT_MALFORMED'
  /** A message names a conversation that is neither in the store nor in the imported state. Nothing was written. */
  | 'SNAPSHOT_UNKNOWN_CONVERSATION'
  /** The snapshot belongs to another account than the store's. Nothing was written. */
  | 'SNAPSHOT_ACCOUNT_MISMATCH';

/** A refused snapshot import, naming the field but never its value. */
export class SnapshotError extends ParleyError<SnapshotErrorCode> {}

/** Settings that travel with the account; relay.registered, relay.prekeysUploaded and store.* stay per device. */
export const isSyncableSetting = (key: string): boolean => key.startsWith('privacy.') || key === 'relay.url';

const Id = z.string().min(1).max(128).regex(/^[\x21-\x7e]+$/u);
const AccountId = z.string().refine((s) => publicKeyFromId(s) !== null, 'not an Ed25519 key id');
const Text = z.string().max(SNAPSHOT_MAX_TEXT_CHARS);
const Time = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** One contact as it travels in a snapshot: key, name, trust, relay and signed devices. */
export const ContactStateSchema = z.object({
  accountId: AccountId,
  name: Text,
  trust: z.enum(['unverified', 'verified', 'changed']),
  relayUrl: Text.nullable(),
  pendingAccountId: AccountId.nullable(),
  addedAt: Time,
  /** Device ids (base64url Ed25519 keys) of the contact's signed device list. */
  devices: z.array(AccountId).max(RELAY_MAX_DEVICES),
}).strict();

/** One conversation's settings as they travel in a snapshot (not its messages). */
export const ConversationStateSchema = z.object({
  id: Id,
  kind: z.enum(['direct', 'group']),
  peerAccountId: Id.nullable(),
  title: Text,
  expireTimerMs: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).nullable(),
  archived: z.boolean(),
  createdAt: Time,
}).strict();

/** One account-wide setting; per-device settings are refused. */
export const SettingSchema = z.object({
  key: z.string().max(128).refine(isSyncableSetting, 'not a syncable setting'),
  value: Text,
}).strict();

const Key43 = z.string().regex(/^[A-Za-z0-9_-]{43}$/u);
/**
 * One group as a backup or a link carries it (docs/protocol.md §8): its
 * signed versions (each checked again by signature when the group is read),
 * master key and members with the names they chose. Sender keys are not
 * carried: a restored or linked device is a new device, and members give it
 * their current chains before their next message.
 */
export const GroupStateSchema = z.strictObject({
  id: Key43,
  genesis: Key43,
  masterKey: Key43.nullable(),
  status: z.enum(['member', 'removed', 'left']),
  // adoptedAt (schema 14): when the exporting device adopted the version; absent in older snapshots (imported as 0: the group's start).
  versions: z.array(z.strictObject({ hash: Key43, height: z.number().int().min(1).max(0xffffffff), json: z.string().max(512 * 1024), adoptedAt: z.number().int().min(0).optional() })).min(1).max(MAX_GROUP_VERSIONS),
  members: z.array(z.strictObject({ accountId: AccountId, role: z.enum(['admin', 'member']), name: Text, displayName: Text.nullable(), devices: z.array(AccountId).max(RELAY_MAX_DEVICES) })).max(MAX_GROUP_MEMBERS),
  /** Members' signed key changes this device accepted (schema 14); absent in older snapshots. */
  keyChanges: z.array(z.strictObject({ accountId: AccountId, newAccountId: AccountId, at: z.number().int().min(0) })).max(MAX_GROUP_MEMBERS).optional(),
});
/** A validated snapshot group. */
export type GroupStateRecord = z.infer<typeof GroupStateSchema>;

/** The whole account state a backup or a link carries: profile, contacts, conversations, settings, groups. */
export const AccountStateSchema = z.object({
  v: z.literal(1),
  /** The account the state belongs to; null if the exporting store had no account yet. */
  accountId: AccountId.nullable(),
  displayName: Text.nullable(),
  contacts: z.array(ContactStateSchema),
  conversations: z.array(ConversationStateSchema),
  settings: z.array(SettingSchema),
  /** Absent in snapshots written before groups (and when there are none). */
  groups: z.array(GroupStateSchema).max(10_000).optional(),
}).strict();

/** One reaction on a message in a snapshot. */
export const ReactionRecordSchema = z.object({ sender: Id, emoji: z.string().min(1).max(64), reactedAt: Time }).strict();

/** One message as it travels in a snapshot, with its state and reactions. */
export const MessageRecordSchema = z.object({
  id: Id,
  conversationId: Id,
  sender: Id,
  direction: z.enum(['in', 'out']),
  /** Empty for a message deleted for everyone (deletedAt set) and for attachment-only messages. */
  body: Text,
  sentAt: Time,
  receivedAt: Time,
  state: z.enum(['queued', 'sent', 'delivered', 'read', 'failed']),
  unread: z.boolean(),
  replyTo: Id.nullable(),
  editedAt: Time.nullable(),
  deletedAt: Time.nullable(),
  expiresAt: Time.nullable(),
  reactions: z.array(ReactionRecordSchema).max(SNAPSHOT_MAX_REACTIONS),
}).strict();

/** A validated snapshot contact. */
export type ContactState = z.infer<typeof ContactStateSchema>;
/** A validated snapshot conversation. */
export type ConversationState = z.infer<typeof ConversationStateSchema>;
/** A validated snapshot setting. */
export type SettingState = z.infer<typeof SettingSchema>;
/** A validated account state, ready to import. */
export type AccountState = z.infer<typeof AccountStateSchema>;
/** A validated snapshot reaction. */
export type ReactionRecord = z.infer<typeof ReactionRecordSchema>;
/** A validated snapshot message. */
export type MessageRecord = z.infer<typeof MessageRecordSchema>;

/** Parses untrusted input; the error names the first bad path (never the value, which may be a message text). */
export function parseOrThrow<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  throw new SnapshotError('SNAPSHOT_MALFORMED', `The ${what} is malformed${where}: ${issue?.message ?? 'invalid'}.`);
}
