/**
 * Invite codes: what one user gives another (as text or QR) to be added as
 * a contact. A checked code (./checkedCode.ts) with prefix "parley1",
 * version 2, and as body the inviter's account Ed25519 public key (32) ‖
 * the identity key of the inviter's relay as the inviter pinned it (32).
 * Version 1 (the account key only) still decodes, without a relay key.
 * The code names no person: the adder chooses the name.
 */
import { ParleyError } from '../errors';
import { decodeCheckedCode, encodeCheckedCode, type CheckedCodeSpec } from './checkedCode';
import { concatBytes } from './encoding';

/** The text prefix of an invite code. */
export const INVITE_PREFIX = 'parley1';
const KEY_BYTES = 32;
/** The current invite version: account key ‖ relay key. */
const SPEC: CheckedCodeSpec = { prefix: INVITE_PREFIX, version: 2, bodyBytes: 2 * KEY_BYTES };
/** Version 1, still read: the account key only (the inviter had no relay key to give). */
const SPEC_V1: CheckedCodeSpec = { prefix: INVITE_PREFIX, version: 1, bodyBytes: KEY_BYTES };

/** Why an invite code was refused: malformed, mistyped (checksum) or from another version. */
export type InviteErrorCode = 'INVITE_MALFORMED' | 'INVITE_CHECKSUM' | 'INVITE_VERSION';
/** The error `decodeInvite` and `encodeInvite` raise. */
export class InviteError extends ParleyError<InviteErrorCode> {}

const PROBLEMS = {
  malformed: ['INVITE_MALFORMED', 'This is not a valid Parley invite code (it starts with “parley1”).'],
  checksum: ['INVITE_CHECKSUM', 'This invite code has a typo: its checksum does not match.'],
  version: ['INVITE_VERSION', 'This invite code comes from a newer Parley; update to add this contact.'],
} as const;

/** What an invite code carries: the inviter's account key, the relay that reaches them and, when known, that relay's identity key. */
export interface Invite {
  /** The inviter's account Ed25519 public key (32 bytes). */
  readonly accountKey: Uint8Array;
  /** The relay the inviter is reachable on. */
  readonly relayUrl: string;
  /** The relay's identity Ed25519 public key as the inviter pinned it (32 bytes); null in a version-1 code. */
  readonly relayKey: Uint8Array | null;
}

/** Encodes an invite as a code to share by QR or copy-paste: version 2 with a relay key, version 1 without one. */
export function encodeInvite(invite: Invite): string {
  const keyOk = invite.accountKey.length === KEY_BYTES && (invite.relayKey === null || invite.relayKey.length === KEY_BYTES);
  const code = !keyOk
    ? 'malformed'
    : invite.relayKey === null
      ? encodeCheckedCode(SPEC_V1, invite.accountKey, invite.relayUrl)
      : encodeCheckedCode(SPEC, concatBytes(invite.accountKey, invite.relayKey), invite.relayUrl);
  if (code === 'malformed' || code === 'checksum' || code === 'version') {
    throw new InviteError('INVITE_MALFORMED', 'An invite needs a 32-byte account key, a 32-byte relay key or none, and a relay URL of at most 200 bytes.');
  }
  return code;
}

/** Decodes an invite code typed or scanned by the user (version 2, or version 1 without a relay key). */
export function decodeInvite(text: string): Invite {
  const r = decodeCheckedCode(SPEC, text);
  if (typeof r !== 'string') return { accountKey: r.body.slice(0, KEY_BYTES), relayUrl: r.relayUrl, relayKey: r.body.slice(KEY_BYTES) };
  const old = r === 'version' ? decodeCheckedCode(SPEC_V1, text) : r;
  if (typeof old === 'string') throw new InviteError(PROBLEMS[old][0], PROBLEMS[old][1]);
  return { accountKey: old.body, relayUrl: old.relayUrl, relayKey: null };
}
