/**
 * What travels inside a ratchet message: one versioned, schema-checked
 * content object, UTF-8 JSON, padded (ISO/IEC 7816-4: 0x80 then zeros) to a
 * multiple of CONTENT_PAD_BLOCK so ciphertext length says little about the
 * text. Receivers parse with `parseContent`, which rejects anything that is
 * not exactly one of these shapes.
 */
import { z } from 'zod';
import { CONTENT_PAD_BLOCK, MAX_DISAPPEARING_TIMER_S, MAX_GROUP_VERSIONS, MAX_MESSAGE_TEXT_CHARS, REACTION_MAX_CHARS } from '../constants';
import { ParleyError } from '../errors';

/** Version of the content format; every content object carries it. */
export const CONTENT_VERSION = 1;

const MsgId = z.string().regex(/^[A-Za-z0-9_-]{16,43}$/u);
const At = z.number().int().nonnegative();
const Timer = z.number().int().positive().max(MAX_DISAPPEARING_TIMER_S).nullable();

/** Where a sent attachment lies on the relay, with the key to decrypt it and the digest to check it. */
export const AttachmentPointer = z
  .object({
    /** Relay blob id. */
    blobId: z.string().min(1).max(128),
    /** secretstream key, base64url (32 bytes). */
    key: z.string().length(43),
    /** BLAKE2b-256 of the encrypted blob, base64url, checked before decrypting. */
    digest: z.string().length(43),
    size: z.number().int().positive(),
    name: z.string().min(1).max(255),
    mime: z.string().max(128),
  })
  .strict();
export type AttachmentPointer = z.infer<typeof AttachmentPointer>;

const base = { v: z.literal(CONTENT_VERSION), sentAt: At };
/** An account or device id: base64url of a 32-byte public key. */
const KeyId = z.string().regex(/^[A-Za-z0-9_-]{43}$/u);
/** The group a piece of conversation content belongs to (its id, base64url); absent for 1:1 (docs/protocol.md §8). */
const InGroup = { group: KeyId.optional() };

/** One account's device-list head as a device holds it: version and base64url SHA-256 of the signed bytes (docs/protocol.md §6.7). */
const ListHead = z.strictObject({ version: z.number().int().min(1).max(0xffffffff), hash: z.string().regex(/^[A-Za-z0-9_-]{43}$/u) });
/** The heads a sender holds for its own account and for the recipient's, so both can spot a relay that shows them different lists. */
const ListHeads = z.strictObject({ sender: ListHead.nullable(), recipient: ListHead.nullable() });
/** The `heads` field of a text or receipt. */
export type ListHeads = z.infer<typeof ListHeads>;

const TextContent = z.object({ ...base, ...InGroup, type: z.literal('text'), id: MsgId, text: z.string().max(MAX_MESSAGE_TEXT_CHARS), replyTo: MsgId.nullable(), expireSeconds: Timer, attachment: AttachmentPointer.nullable(), heads: ListHeads.optional() }).strict();
const EditContent = z.object({ ...base, ...InGroup, type: z.literal('edit'), target: MsgId, text: z.string().min(1).max(MAX_MESSAGE_TEXT_CHARS) }).strict();
const DeleteContent = z.object({ ...base, ...InGroup, type: z.literal('delete'), target: MsgId }).strict();
const ReactionContent = z.object({ ...base, ...InGroup, type: z.literal('reaction'), target: MsgId, emoji: z.string().min(1).max(REACTION_MAX_CHARS).nullable() }).strict();
const ReceiptContent = z.object({ ...base, ...InGroup, type: z.literal('receipt'), kind: z.enum(['delivered', 'read']), targets: z.array(MsgId).min(1).max(500), heads: ListHeads.optional() }).strict();
const TimerContent = z.object({ ...base, type: z.literal('timer'), expireSeconds: Timer }).strict();

/** What this account did in one conversation, as its other devices learn it (Signal's sent transcripts). */
export const SyncedContent = z.discriminatedUnion('type', [TextContent, EditContent, DeleteContent, ReactionContent, ReceiptContent, TimerContent]);
export type SyncedContent = z.infer<typeof SyncedContent>;
/** Content types another device of the same account learns through a sent transcript. */
export const SYNCED_TYPES: ReadonlySet<string> = new Set(['text', 'edit', 'delete', 'reaction', 'receipt', 'timer']);

const SyncedContact = z
  .object({ accountId: KeyId, name: z.string().trim().min(1).max(64), trust: z.enum(['unverified', 'verified', 'changed']), relayUrl: z.string().max(200).nullable() })
  .strict();
export type SyncedContact = z.infer<typeof SyncedContact>;

/** Every content a device may send through a session (resend and retry wrap or refer to these). */
const SESSION_CONTENT = [
  TextContent,
  EditContent,
  DeleteContent,
  ReactionContent,
  ReceiptContent,
  z.object({ ...base, ...InGroup, type: z.literal('typing'), typing: z.boolean() }).strict(),
  TimerContent,
  z.object({ ...base, type: z.literal('profile'), name: z.string().trim().min(1).max(64) }).strict(),
  // ── between the devices of one account only ──
  z.object({ ...base, type: z.literal('sync'), conversation: KeyId, content: SyncedContent }).strict(),
  z.object({ ...base, type: z.literal('contacts'), contacts: z.array(SyncedContact).min(1).max(100) }).strict(),
  z.object({ ...base, type: z.literal('settings'), readReceipts: z.boolean(), typingIndicators: z.boolean(), notificationPreviews: z.boolean() }).strict(),
  z.object({ ...base, type: z.literal('ownDevices'), devices: z.array(z.object({ deviceId: KeyId, name: z.string().trim().min(1).max(64) }).strict()).min(1).max(64) }).strict(),
  z.object({
    ...base,
    type: z.literal('accountRotated'),
    accountSecretKey: z.string().length(86),
    backup: z.object({ id: z.string().min(16).max(64), authKey: z.string().length(43), key: z.string().length(43) }).strict().nullable(),
    signature: z.string().length(86),
  }).strict(),
  // ── groups (docs/protocol.md §8), between member devices over their pairwise sessions ──
  // The group's signed state versions (JSON each; the receiver checks the chain) and its master key (null for a member who was removed).
  z.object({ ...base, type: z.literal('groupUpdate'), group: KeyId, masterKey: z.string().length(43).nullable(), versions: z.array(z.string().max(512 * 1024)).min(1).max(MAX_GROUP_VERSIONS) }).strict(),
  // A member device's sender key for the group (a 73-byte distribution, base64url) and the display name its account chose.
  z.object({ ...base, type: z.literal('senderKey'), group: KeyId, name: z.string().trim().min(1).max(64), distribution: z.string().length(98) }).strict(),
  // A sender-key message (encrypted once for the group), carried by the pairwise fan-out delivery.
  z.object({ ...base, type: z.literal('groupMessage'), group: KeyId, message: z.string().regex(/^[A-Za-z0-9_-]{1,400000}$/u) }).strict(),
  // "Send me the chain": a member device lacks versions of the group (it holds one whose parent never came); `head` is the hash of
  // the head of its chain. Answered with groupUpdate contents of the versions above that head (§8.5).
  z.object({ ...base, type: z.literal('groupChainRequest'), group: KeyId, head: z.string().regex(/^[A-Za-z0-9_-]{43}$/u) }).strict(),
  // ── to contacts and own devices: the sender's signed device list changed, fetch it again ──
  z.object({ ...base, type: z.literal('devicesChanged') }).strict(),
  // ── to contacts: the sender's account key changed (new recovery phrase), signed by the old key ──
  z.object({ ...base, type: z.literal('accountKeyChange'), newAccountId: KeyId, signature: z.string().length(86) }).strict(),
] as const;

/** Content that a resend may carry again: anything sent through a session except the repair messages themselves. */
export const ResendableContent = z.discriminatedUnion('type', SESSION_CONTENT);
export type ResendableContent = z.infer<typeof ResendableContent>;

/** SHA-256 of a ratchet message, base64url: how a retry request and its resend name the message that failed. */
const Digest = z.string().regex(/^[A-Za-z0-9_-]{43}$/u);

/** Every content object a ratchet message may carry: session content plus the repair messages (retry and resend). */
export const Content = z.discriminatedUnion('type', [
  ...SESSION_CONTENT,
  // ── repair (docs/protocol.md §4.4) ──
  // Sent in a sealed envelope of kind "plaintext" (no session): "your message with this digest did not decrypt here".
  z.object({ ...base, type: z.literal('retry'), digest: Digest }).strict(),
  // Also as plaintext: "your group message in chain chainId did not decrypt here (no sender key)"; answered with the sender key again.
  z.object({ ...base, type: z.literal('senderKeyRequest'), group: KeyId, chainId: z.number().int().nonnegative().max(0xffffffff) }).strict(),
  // The sender's answer, through a fresh session: the same content again, naming the digest it repairs.
  z.object({ ...base, type: z.literal('resend'), repairs: Digest, content: ResendableContent }).strict(),
]);
export type Content = z.infer<typeof Content>;

/** Why received content was refused: bad padding, or not exactly one of the known shapes. */
export type ContentErrorCode = 'CONTENT_MALFORMED' | 'CONTENT_PADDING';
/** The error `parseContent` and `encodeContent` raise. */
export class ContentError extends ParleyError<ContentErrorCode> {}

/*
 * The check `encodeContent` makes of the commonest content, a plain text
 * (no attachment, no group) as sendMessage builds it, by hand: the same
 * rules as the `text` shape above, ≈ 1 µs where zod's parse of the whole
 * union took ≈ 13 µs warm and ≈ 40 µs over a fresh process's first
 * thousands of sends. It only ever says yes to content the schema accepts
 * (test/unit/wire/plainText.test.ts checks that the two agree); anything
 * else, valid or not, goes through zod as before. Receivers always parse
 * with zod.
 */
const PLAIN_MSG_ID = /^[A-Za-z0-9_-]{16,43}$/u;
const PLAIN_HASH = /^[A-Za-z0-9_-]{43}$/u;
const PLAIN_KEYS = new Set(['v', 'sentAt', 'type', 'id', 'text', 'replyTo', 'expireSeconds', 'attachment', 'heads']);
const PLAIN_REQUIRED = 8;

const isInt = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x);
const msgId = (x: unknown): boolean => typeof x === 'string' && PLAIN_MSG_ID.test(x);

/** A list head as the schema's ListHead: exactly {version, hash}, or null. */
function head(h: unknown): boolean {
  if (h === null) return true;
  if (typeof h !== 'object' || Object.keys(h).length !== 2) return false;
  const { version, hash } = h as { version?: unknown; hash?: unknown };
  return isInt(version) && version >= 1 && version <= 0xffffffff && typeof hash === 'string' && PLAIN_HASH.test(hash);
}

/**
 * The content in the key order the schema gives it, when it is a plain text
 * the schema accepts; null when this check cannot tell (zod decides).
 */
export function checkedPlainText(c: Record<string, unknown>): Record<string, unknown> | null {
  if (c['type'] !== 'text' || c['v'] !== CONTENT_VERSION || c['attachment'] !== null) return null;
  let n = 0;
  for (const k in c) {
    if (!Object.hasOwn(c, k) || !PLAIN_KEYS.has(k)) return null;
    if (k !== 'heads') n++;
  }
  if (n !== PLAIN_REQUIRED) return null;
  const { sentAt, id, text, replyTo, expireSeconds, heads } = c;
  if (!isInt(sentAt) || sentAt < 0 || !msgId(id) || typeof text !== 'string' || text.length > MAX_MESSAGE_TEXT_CHARS) return null;
  if (replyTo !== null && !msgId(replyTo)) return null;
  if (expireSeconds !== null && !(isInt(expireSeconds) && expireSeconds > 0 && expireSeconds <= MAX_DISAPPEARING_TIMER_S)) return null;
  if (heads !== undefined) {
    if (heads === null || typeof heads !== 'object' || Object.keys(heads).length !== 2) return null;
    const { sender, recipient } = heads as { sender?: unknown; recipient?: unknown };
    if (sender === undefined || recipient === undefined || !head(sender) || !head(recipient)) return null;
  }
  const out: Record<string, unknown> = { v: c['v'], sentAt, type: 'text', id, text, replyTo, expireSeconds, attachment: null };
  if (heads !== undefined) out['heads'] = heads;
  return out;
}

/** Checks content against the schema (a plain text by hand, checkedPlainText) and encodes it as padded UTF-8 JSON, ready to encrypt. */
export function encodeContent(content: Content): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(checkedPlainText(content as Record<string, unknown>) ?? Content.parse(content)));
  const padded = new Uint8Array(Math.ceil((json.length + 1) / CONTENT_PAD_BLOCK) * CONTENT_PAD_BLOCK);
  padded.set(json);
  padded[json.length] = 0x80;
  return padded;
}

/** One strict decoder for every parse (a malformed UTF-8 sequence throws). */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Removes the padding from a decrypted plaintext and parses it into exactly one content shape (a plain text checked by hand, as in encodeContent). */
export function parseContent(padded: Uint8Array): Content {
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (end < 0 || padded[end] !== 0x80) throw new ContentError('CONTENT_PADDING', 'The message padding is invalid.');
  let value: unknown;
  try {
    value = JSON.parse(UTF8.decode(padded.subarray(0, end)));
  } catch {
    throw new ContentError('CONTENT_MALFORMED', 'The message content is not valid JSON.');
  }
  // A plain text (most of a catch-up) by the hand check, which accepts only what zod accepts (test/unit/wire/plainText.test.ts); the rest by zod.
  const plain = value !== null && typeof value === 'object' && !Array.isArray(value) ? checkedPlainText(value as Record<string, unknown>) : null;
  if (plain !== null) return plain as Content;
  const parsed = Content.safeParse(value);
  if (!parsed.success) throw new ContentError('CONTENT_MALFORMED', 'The message content has an unknown shape.');
  return parsed.data;
}
