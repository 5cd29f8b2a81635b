/**
 * Every call the renderer may make: request schema (validated in main) and
 * response schema. Grouped by domain; `index.ts` merges them.
 */
import { z } from 'zod';
import {
  AttachmentDto,
  ContactDto,
  ConversationDto,
  Cursor,
  Id,
  IdentityChoice,
  MessageDto,
  SearchHitDto,
  SessionDto,
  SettingsDto,
  DeviceDto,
  BackupStatusDto,
  AuditEntryDto,
  DeviceHealthDto,
} from './dto';
import { AUDIT_LOG_MAX_ROWS, STORE_MAX_PAGE_SIZE, ATTACHMENT_IPC_CHUNK_BYTES, DISAPPEARING_CHOICES, LINK_DEVICE_NAME_MAX_BYTES, MAX_ATTACHMENT_BYTES, MAX_MESSAGE_TEXT_CHARS } from '../constants';

const empty = z.object({}).strict();
const done = z.object({}).strict();
const req = <T extends z.ZodRawShape>(shape: T) => z.object(shape).strict();

/** Name, version and cryptographic suite of this build, as the about box shows them. */
export const AppInfoSchema = z.object({
  name: z.string(),
  version: z.string(),
  platform: z.string(),
  crypto: z.object({ library: z.string(), libraryVersion: z.string(), aead: z.string(), kem: z.string() }),
});
/** Name, version and cryptographic suite of this build. */
export type AppInfo = z.infer<typeof AppInfoSchema>;

/**
 * The relay connection as the UI shows it: offline, connecting or online, and
 * to which relay. `reason: 'relayKeyChanged'` (offline, no retry) means the
 * relay proved an identity key other than the one pinned for it, so this
 * device did not sign in; `relayKey` is the key it presented, which the user
 * may accept (acceptRelayKey) after checking it with the relay's operator.
 * `receiving` is the catch-up progress, updated once per receive batch.
 */
export const ConnectionStateSchema = z.object({
  state: z.enum(['offline', 'connecting', 'online']),
  relay: z.string(),
  retryInMs: z.number().int().nonnegative().nullable(),
  reason: z.enum(['relayKeyChanged']).optional(),
  relayKey: z.string().max(64).optional(),
  /** While catching up after sign-in: `done` of the `total` messages the relay said were queued (shown as "Receiving 3,400 of 10,000"). */
  receiving: z.object({ done: z.number().int().nonnegative(), total: z.number().int().positive() }).optional(),
});
/** The relay connection state pushed to the UI. */
export type ConnectionState = z.infer<typeof ConnectionStateSchema>;

const Name = z.string().trim().min(1, 'cannot be empty').max(64, 'is at most 64 characters');
const DeviceName = z
  .string()
  .trim()
  .min(1, 'cannot be empty')
  .refine((s) => new TextEncoder().encode(s).length <= LINK_DEVICE_NAME_MAX_BYTES, `is at most ${LINK_DEVICE_NAME_MAX_BYTES} bytes`);
const Passphrase = z.string().min(8, 'needs at least 8 characters').max(1024);
const Text = z.string().min(1).max(MAX_MESSAGE_TEXT_CHARS);
const Page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), next: Cursor.nullable() });

/** Calls about the app itself (build information). */
export const appCalls = {
  /** Name, version and the cryptographic suite this build runs. */
  getAppInfo: { request: empty, response: AppInfoSchema },
  /** Current relay connection state (also pushed as `connectionState`). */
  getConnectionState: { request: empty, response: ConnectionStateSchema },
} as const;

/** Calls that create, unlock, lock, restore and protect the account. */
export const accountCalls = {
  getSession: { request: empty, response: SessionDto },
  /** Creates the account: keys, encrypted store, relay registration. Returns the phrase once. */
  createAccount: {
    request: req({ name: Name, passphrase: Passphrase.nullable(), useKeychain: z.boolean() }),
    response: z.object({ phrase: z.array(z.string()).length(24), confirmIndices: z.array(z.number().int()).length(3) }),
  },
  /** While the new phrase is unconfirmed (even across a restart), shows it again; afterwards it is erased. */
  getPendingRecoveryPhrase: {
    request: empty,
    response: z.object({ phrase: z.array(z.string()).length(24), confirmIndices: z.array(z.number().int()).length(3) }),
  },
  /** The user proves they wrote the phrase down by typing three words (1-based positions). */
  confirmRecoveryPhrase: {
    request: req({ answers: z.array(req({ index: z.number().int().min(0).max(23), word: z.string().max(16) })).length(3) }),
    response: done,
  },
  unlock: { request: req({ passphrase: z.string().min(1).max(1024) }), response: done },
  lock: { request: empty, response: done },
  /**
   * On a fresh install: starts linking to an existing account and returns the link code to show.
   * Progress and the outcome arrive as `transferProgress` (kind 'link') and `sessionChanged`.
   */
  startLink: {
    request: req({ deviceName: DeviceName, passphrase: Passphrase.nullable(), useKeychain: z.boolean() }),
    response: z.object({ link: z.string(), qrSvg: z.string(), expiresAt: z.number() }),
  },
  cancelLink: { request: empty, response: done },
  /** On a fresh install, after `linkCheck`: whether the short code matches the other desktop's (false refuses the account). */
  answerLink: { request: req({ matches: z.boolean() }), response: done },
  /**
   * Replaces the recovery phrase with a new one (a new account key): contacts are told, signed by the old key,
   * and see a safety-number warning. The new phrase must be confirmed like a new account's.
   */
  rotateRecoveryPhrase: {
    request: empty,
    response: z.object({ phrase: z.array(z.string()).length(24), confirmIndices: z.array(z.number().int()).length(3) }),
  },
  /** On a fresh install: restores the account from its 24-word phrase and its backup (progress as `transferProgress`, kind 'restore'). */
  restoreAccount: {
    request: req({ phrase: z.string().min(1).max(400), deviceName: DeviceName, passphrase: Passphrase.nullable(), useKeychain: z.boolean() }),
    response: z.object({ restoredMessages: z.number().int().nonnegative(), backupFound: z.boolean() }),
  },
} as const;

/** Calls about this account's desktops: list, link, rename, revoke. */
export const deviceCalls = {
  listDevices: { request: empty, response: z.array(DeviceDto) },
  /** Reads a new device's link code so the user can confirm its name, and compare the short code it will show, before anything is sent. */
  inspectLink: { request: req({ link: z.string().min(1).max(600) }), response: z.object({ deviceName: z.string(), accountName: z.string(), shortCode: z.string() }) },
  /** Links the device (progress as `transferProgress`, kind 'provision'); `historyDays` null sends all history. */
  acceptLink: { request: req({ link: z.string().min(1).max(600), historyDays: z.number().int().min(1).max(36_500).nullable() }), response: z.object({ deviceId: z.string(), name: z.string() }) },
  revokeDevice: { request: req({ deviceId: z.string().regex(/^[A-Za-z0-9_-]{43}$/u) }), response: done },
  /**
   * "Remove and secure" (docs/protocol.md §6.8), offered after a revocation and confirmed in main: a new account key and phrase
   * (confirmed like a new account's), the old key retired on the relay and the old backup deleted. `secured` false: the relay
   * step did not finish yet and is retried on every connection.
   */
  secureAccount: {
    request: empty,
    response: z.object({ phrase: z.array(z.string()).length(24), confirmIndices: z.array(z.number().int()).length(3), secured: z.boolean() }),
  },
  /**
   * Settings → Export: every conversation as plaintext (JSON, or one HTML page each) into a new folder main picks,
   * after the main-owned confirmation names it. Progress arrives as `transferProgress` (kind 'export').
   */
  exportConversations: {
    request: req({ format: z.enum(['json', 'html']) }),
    response: z.object({ out: z.string(), conversations: z.number().int(), messages: z.number().int(), attachments: z.number().int() }),
  },
  getBackupStatus: { request: empty, response: BackupStatusDto },
  backupNow: { request: empty, response: BackupStatusDto },
} as const;

/** Calls about contacts: invites, adding, renaming, safety numbers and trust. */
export const contactCalls = {
  getInvite: { request: empty, response: z.object({ code: z.string(), qrSvg: z.string() }) },
  addContact: { request: req({ code: z.string().min(1).max(512), name: Name }), response: ContactDto },
  listContacts: { request: empty, response: z.array(ContactDto) },
  getSafetyNumber: {
    /** `choice`: with two conflicting key changes, which one's number ('first' by default). */
    request: req({ contactId: Id, choice: IdentityChoice.optional() }),
    response: z.object({ groups: z.array(z.string()), qrSvg: z.string(), verified: z.boolean() }),
  },
  setContactVerified: { request: req({ contactId: Id, verified: z.boolean() }), response: ContactDto },
  /** With two conflicting key changes (`identityConflict`), `choice` is required: the one the user verified. */
  acceptIdentityChange: { request: req({ contactId: Id, choice: IdentityChoice.optional() }), response: ContactDto },
} as const;

/** Calls about conversations and their messages: list, send, edit, delete, react, read, typing, timers, search. */
export const conversationCalls = {
  listConversations: { request: req({ limit: z.number().int().min(1).max(200), before: Cursor.optional() }), response: Page(ConversationDto) },
  listMessages: {
    request: req({ conversationId: Id, limit: z.number().int().min(1).max(200), before: Cursor.optional() }),
    response: Page(MessageDto),
  },
  /** The page of messages around one message, for jumping to a search hit. */
  getMessageContext: {
    request: req({ messageId: Id, limit: z.number().int().min(1).max(200) }),
    response: z.object({ conversationId: Id, items: z.array(MessageDto), next: Cursor.nullable() }),
  },
  sendMessage: { request: req({ conversationId: Id, text: Text, replyToId: Id.optional() }), response: MessageDto },
  editMessage: { request: req({ messageId: Id, text: Text }), response: MessageDto },
  deleteMessage: { request: req({ messageId: Id, forEveryone: z.boolean() }), response: done },
  /** Sends a message that shows "not delivered" again. */
  retryMessage: { request: req({ messageId: Id }), response: MessageDto },
  reactToMessage: { request: req({ messageId: Id, emoji: z.string().min(1).max(16).nullable() }), response: MessageDto },
  markConversationRead: { request: req({ conversationId: Id }), response: done },
  setTyping: { request: req({ conversationId: Id, typing: z.boolean() }), response: done },
  setDisappearingTimer: {
    request: req({
      conversationId: Id,
      seconds: z.union([z.null(), z.number().int().refine((s) => (DISAPPEARING_CHOICES as readonly number[]).includes(s), 'is not an offered timer')]),
    }),
    response: ConversationDto,
  },
  searchMessages: { request: req({ query: z.string().trim().min(1).max(200), limit: z.number().int().min(1).max(100) }), response: z.array(SearchHitDto) },
} as const;

/** Calls that send an attachment in chunks and read a received one back. */
export const attachmentCalls = {
  beginAttachment: {
    request: req({ conversationId: Id, name: z.string().min(1).max(255), mime: z.string().max(128), size: z.number().int().min(1).max(MAX_ATTACHMENT_BYTES) }),
    response: z.object({ uploadId: Id }),
  },
  /** One chunk of the file, base64, in order. */
  appendAttachment: {
    request: req({ uploadId: Id, chunk: z.string().max(Math.ceil((ATTACHMENT_IPC_CHUNK_BYTES * 4) / 3) + 4) }),
    response: z.object({ received: z.number().int() }),
  },
  finishAttachment: { request: req({ uploadId: Id }), response: MessageDto },
  cancelAttachment: { request: req({ id: Id }), response: done },
  readAttachment: {
    request: req({ attachmentId: Id, offset: z.number().int().nonnegative() }),
    response: z.object({ chunk: z.string(), done: z.boolean(), attachment: AttachmentDto }),
  },
} as const;

/** Calls that read and change the app settings (privacy switches, relay address). */
export const settingsCalls = {
  getSettings: { request: empty, response: SettingsDto },
  updateSettings: { request: SettingsDto.partial().strict(), response: SettingsDto },
} as const;

/** Settings → Security and the session health view: read-only views of the audit log and the sessions. */
export const securityCalls = {
  /** The audit log, newest first; `before` is the id of the oldest row already shown. */
  auditLog: {
    request: req({ limit: z.number().int().min(1).max(STORE_MAX_PAGE_SIZE), before: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional() }),
    response: z.object({ items: z.array(AuditEntryDto).max(AUDIT_LOG_MAX_ROWS), next: z.number().int().nullable() }),
  },
  /** Session health for each of a contact's devices. */
  sessionHealth: { request: req({ contactId: Id }), response: z.array(DeviceHealthDto) },
} as const;
