/**
 * The audit log's vocabulary, shared by main (which records and validates)
 * and the renderer (which labels). An audit row says what happened to keys
 * and sessions, never what anyone wrote: a detail is a flat record of
 * numbers, booleans and short identifiers from an allow-list of keys, so
 * message text, names or key bytes cannot slip in by accident. Pure.
 */
import { AUDIT_DETAIL_MAX_STRING_CHARS } from './constants';

/** Every event the audit log records (docs/protocol.md, audit events). */
export const AUDIT_KINDS = [
  'identity.created',
  'prekeys.replenished',
  'prekeys.rotated',
  'session.established',
  'session.archived',
  'session.repaired',
  'session.failed',
  'session.repair_refused',
  'decrypt.failed',
  'envelope.rejected',
  'envelope.deferred',
  'delivery.failed',
  'delivery.unsent_dropped',
  'devices.refresh_failed',
  'devices.split_view',
  'attachment.fetch_failed',
  'phrase.rotation_failed',
  'safety_number.changed',
  'device.linked',
  'device.revoked',
  'phrase.rotated',
  'account.secured',
  'account.secure_failed',
  'safety_number.conflict',
  'backup.written',
  'backup.restored',
  'store.rekeyed',
  'key_operation.confirmed',
  'key_operation.refused',
  'relay.key_pinned',
  'relay.key_refused',
  'export.written',
  'group.rejected',
  'group.held',
  'group.held_dropped',
  'group.key_rotated',
  'group.key_request_refused',
  'group.chain_requested',
  'group.chain_request_deferred',
  'group.chain_request_refused',
  'group.chain_answered',
  'search.index_failed',
  'store.checkpoint_failed',
  'crypto.worker_failed',
  'store.cipher_moved',
  'store.cipher_move_deferred',
] as const;

/** One kind of audit event. */
export type AuditKind = (typeof AUDIT_KINDS)[number];

/**
 * The only keys a detail may carry. `address` (accountId.deviceId) and
 * `accountId` are indexed, so per-contact counts need no scan.
 */
export const AUDIT_DETAIL_KEYS = [
  /** A peer device, `accountId.deviceId`. */
  'address',
  /** A contact's account id. */
  'accountId',
  /** One of this account's devices. */
  'deviceId',
  /** A new account id (a contact's changed key, or ours after a phrase rotation). */
  'newAccountId',
  /** The account id before a phrase rotation. */
  'previousAccountId',
  /** A typed error code or a short reason (`PROTOCOL_MISSING_PREKEY`, `not-listed`). */
  'reason',
  /** How a device or profile came to be (`create`, `link`, `restore`) or who started something (`this-device`, `other-device`). */
  'origin',
  /** Which prekeys (`ec`, `kem`, `signed`, `last-resort`). */
  'prekeyKind',
  /** A prekey id. */
  'keyId',
  /** A session's side (`initiator`, `responder`) or a repair's (`sender`, `receiver`). */
  'role',
  /** Whether a new session used a one-time prekey. */
  'oneTimePreKey',
  /** Prekey upkeep: one-time keys uploaded in a batch, held on the relay after it, first new ids. */
  'oneTimeEc',
  'oneTimeKem',
  'heldOneTimeEc',
  'heldOneTimeKem',
  'firstOneTimeEcId',
  'firstOneTimeKemId',
  /** Prekey rotation: the new signed and last-resort ids, and the signed id replaced. */
  'signedPrekeyId',
  'lastResortKemId',
  'replacedSignedPrekeyId',
  /** How many (prekeys uploaded, states archived, …). */
  'count',
  /** A backup run's mode (`full`, `incremental`). */
  'mode',
  /** Backup generation. */
  'generation',
  /** Backup segments written or read. */
  'segments',
  /** Messages written or restored (a count, never content). */
  'messages',
  /** A guarded key operation (`phrase.show`, `phrase.rotate`, `link.accept`, `device.revoke`, `export`). */
  'operation',
  /** A relay's identity key (base64url of the public key): pinned, refused or accepted. */
  'relayKey',
  /** An export's format (`json`, `html`). */
  'format',
  /** Backup blobs deleted when an old backup was retired. */
  'blobs',
  /** Conversations written by an export. */
  'conversations',
  /** Attachments copied by an export. */
  'attachments',
  /** The local store's page cipher scheme (`aegis`, `chacha20`, `sqlcipher4`), and the one it was moved from. */
  'cipher',
  'previousCipher',
  /** How long something took, in milliseconds. */
  'ms',
] as const;

/** A key an audit detail may use. */
export type AuditDetailKey = (typeof AUDIT_DETAIL_KEYS)[number];

/** What a detail value may be: a finite number, a boolean, or a short identifier. */
export type AuditValue = number | boolean | string;

/** The small, flat record that goes with an audit event. */
export type AuditDetail = { readonly [K in AuditDetailKey]?: AuditValue };

/** A short identifier: letters, digits and `_ - . :` only, so no sentence, name or JSON fits. */
const IDENTIFIER = new RegExp(`^[A-Za-z0-9_.:-]{1,${AUDIT_DETAIL_MAX_STRING_CHARS}}$`, 'u');
const KEYS: ReadonlySet<string> = new Set(AUDIT_DETAIL_KEYS);
const KINDS: ReadonlySet<string> = new Set(AUDIT_KINDS);

/** True for a known audit kind. */
export const isAuditKind = (k: unknown): k is AuditKind => typeof k === 'string' && KINDS.has(k);

/**
 * Why `detail` cannot be recorded, or null when it can: an unknown key, a
 * nested value, a non-finite number, or a string that is not a short
 * identifier. The message names the key, never the value.
 */
export function auditDetailProblem(detail: unknown): string | null {
  if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) return 'the detail is not a flat record';
  if (Object.getPrototypeOf(detail) !== Object.prototype) return 'the detail is not a plain object';
  for (const [key, value] of Object.entries(detail)) {
    if (!KEYS.has(key)) return `“${key}” is not an audit detail key`;
    if (typeof value === 'boolean') continue;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) return `“${key}” is not a finite number`;
      continue;
    }
    if (typeof value !== 'string') return `“${key}” is not a number, boolean or identifier`;
    if (!IDENTIFIER.test(value)) return `“${key}” is not a short identifier (at most ${AUDIT_DETAIL_MAX_STRING_CHARS} of A-Z a-z 0-9 _ - . :)`;
  }
  return null;
}
