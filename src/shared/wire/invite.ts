/**
 * Invite codes: what one user gives another (as text or QR) to be added as
 * a contact. A checked code (./checkedCode.ts) with prefix "parley1",
 * version 1, and as body the inviter's account Ed25519 public key (32).
 * The code names no person: the adder chooses the name.
 */
import { ParleyError } from '../errors';
import { decodeCheckedCode, encodeCheckedCode, type CheckedCodeSpec } from './checkedCode';

/** The text prefix of an invite code. */
export const INVITE_PREFIX = 'parley1';
const SPEC: CheckedCodeSpec = { prefix: INVITE_PREFIX, version: 1, bodyBytes: 32 };

/** Why an invite code was refused: malformed, mistyped (checksum) or from another version. */
export type InviteErrorCode = 'INVITE_MALFORMED' | 'INVITE_CHECKSUM' | 'INVITE_VERSION';
/** The error `decodeInvite` and `encodeInvite` raise. */
export class InviteError extends ParleyError<InviteErrorCode> {}

const PROBLEMS = {
  malformed: ['INVITE_MALFORMED', 'This is not a valid Parley invite code (it starts with “parley1”).'],
  checksum: ['INVITE_CHECKSUM', 'This invite code has a typo: its checksum does not match.'],
  version: ['INVITE_VERSION', 'This invite code comes from a newer Parley; update to add this contact.'],
} as const;

/** What an invite code carries: the inviter's account key and the relay that reaches them. */
export interface Invite {
  /** The inviter's account Ed25519 public key (32 bytes). */
  readonly accountKey: Uint8Array;
  /** The relay the inviter is reachable on. */
  readonly relayUrl: string;
}

/** Encodes an invite as a code to share by QR or copy-paste. */
export function encodeInvite(invite: Invite): string {
  const code = encodeCheckedCode(SPEC, invite.accountKey, invite.relayUrl);
  if (code === 'malformed' || code === 'checksum' || code === 'version') throw new InviteError('INVITE_MALFORMED', 'An invite needs a 32-byte account key and a relay URL of at most 200 bytes.');
  return code;
}

/** Decodes an invite code typed or scanned by the user. */
export function decodeInvite(text: string): Invite {
  const r = decodeCheckedCode(SPEC, text);
  if (typeof r === 'string') throw new InviteError(PROBLEMS[r][0], PROBLEMS[r][1]);
  return { accountKey: r.body, relayUrl: r.relayUrl };
}
