/**
 * Invite codes: what one user gives another (as text or QR) to be added as
 * a contact. Layout, then unpadded base64url after the "parley1" prefix:
 *
 *   version (1 byte = 1) ‖ account public key (32) ‖ relay URL length (1) ‖
 *   relay URL (UTF-8) ‖ CRC-32 of everything before (4, big-endian)
 *
 * The CRC only catches copy errors; authenticity comes from comparing
 * safety numbers. The code names no person: the adder chooses the name.
 */
import { INVITE_MAX_RELAY_URL_BYTES } from '../constants';
import { ParleyError } from '../errors';
import { crc32 } from './crc32';
import { concatBytes, fromBase64Url, toBase64Url, u32be, utf8Bytes } from './encoding';

export const INVITE_PREFIX = 'parley1';
const VERSION = 1;

export type InviteErrorCode = 'INVITE_MALFORMED' | 'INVITE_CHECKSUM' | 'INVITE_VERSION';
export class InviteError extends ParleyError<InviteErrorCode> {}

export interface Invite {
  /** The inviter's account Ed25519 public key (32 bytes). */
  readonly accountKey: Uint8Array;
  /** The relay the inviter is reachable on. */
  readonly relayUrl: string;
}

export function encodeInvite(invite: Invite): string {
  if (invite.accountKey.length !== 32) throw new InviteError('INVITE_MALFORMED', 'An account key is 32 bytes.');
  const relay = utf8Bytes(invite.relayUrl);
  if (relay.length === 0 || relay.length > INVITE_MAX_RELAY_URL_BYTES) {
    throw new InviteError('INVITE_MALFORMED', `The relay URL must be 1–${INVITE_MAX_RELAY_URL_BYTES} bytes.`);
  }
  const body = concatBytes(new Uint8Array([VERSION]), invite.accountKey, new Uint8Array([relay.length]), relay);
  return INVITE_PREFIX + toBase64Url(concatBytes(body, u32be(crc32(body))));
}

export function decodeInvite(text: string): Invite {
  const code = text.trim();
  if (!code.startsWith(INVITE_PREFIX)) {
    throw new InviteError('INVITE_MALFORMED', 'This is not a Parley invite code (it should start with “parley1”).');
  }
  const bytes = fromBase64Url(code.slice(INVITE_PREFIX.length));
  if (bytes === null || bytes.length < 1 + 32 + 1 + 1 + 4) {
    throw new InviteError('INVITE_MALFORMED', 'This invite code is damaged or incomplete.');
  }
  const body = bytes.subarray(0, bytes.length - 4);
  const sum = bytes.subarray(bytes.length - 4);
  const expected = u32be(crc32(body));
  if (!sum.every((b, i) => b === expected[i])) {
    throw new InviteError('INVITE_CHECKSUM', 'This invite code has a typo: its checksum does not match.');
  }
  if (body[0] !== VERSION) {
    throw new InviteError('INVITE_VERSION', 'This invite code comes from a newer Parley; update to add this contact.');
  }
  const len = body[33]!;
  if (body.length !== 34 + len) throw new InviteError('INVITE_MALFORMED', 'This invite code is damaged or incomplete.');
  const relayUrl = new TextDecoder('utf-8', { fatal: true }).decode(body.subarray(34));
  if (!/^wss?:\/\/[^\s]+$/u.test(relayUrl)) throw new InviteError('INVITE_MALFORMED', 'The relay address in this invite is not valid.');
  return { accountKey: body.slice(1, 33), relayUrl };
}
