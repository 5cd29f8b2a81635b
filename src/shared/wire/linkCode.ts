/**
 * The link code a new desktop shows (as QR and as text) so an existing
 * device can provision it. Layout, as unpadded base64url after "parleylink1":
 *
 *   version (1 = 1) ‖ provisioning id (16) ‖ ephemeral X25519 public key (32) ‖
 *   relay URL length (1) ‖ relay URL (UTF-8) ‖ CRC-32 of everything before (4)
 *
 * The public key travels out of band (camera or copy-paste), so a relay
 * that substitutes keys cannot read or alter what is provisioned.
 */
import { INVITE_MAX_RELAY_URL_BYTES } from '../constants';
import { ParleyError } from '../errors';
import { crc32 } from './crc32';
import { concatBytes, fromBase64Url, toBase64Url, u32be, utf8Bytes } from './encoding';

export const LINK_PREFIX = 'parleylink1';
const VERSION = 1;

export type LinkCodeErrorCode = 'LINK_MALFORMED' | 'LINK_CHECKSUM' | 'LINK_VERSION';
export class LinkCodeError extends ParleyError<LinkCodeErrorCode> {}

export interface LinkCode {
  readonly provisioningId: Uint8Array;
  readonly ephemeralKey: Uint8Array;
  readonly relayUrl: string;
}

export function encodeLinkCode(link: LinkCode): string {
  if (link.provisioningId.length !== 16 || link.ephemeralKey.length !== 32) {
    throw new LinkCodeError('LINK_MALFORMED', 'A link code carries a 16-byte id and a 32-byte key.');
  }
  const relay = utf8Bytes(link.relayUrl);
  if (relay.length === 0 || relay.length > INVITE_MAX_RELAY_URL_BYTES) throw new LinkCodeError('LINK_MALFORMED', 'The relay URL is too long.');
  const body = concatBytes(new Uint8Array([VERSION]), link.provisioningId, link.ephemeralKey, new Uint8Array([relay.length]), relay);
  return LINK_PREFIX + toBase64Url(concatBytes(body, u32be(crc32(body))));
}

export function decodeLinkCode(text: string): LinkCode {
  const code = text.trim();
  if (!code.startsWith(LINK_PREFIX)) throw new LinkCodeError('LINK_MALFORMED', 'This is not a Parley link code (it should start with “parleylink1”).');
  const bytes = fromBase64Url(code.slice(LINK_PREFIX.length));
  if (bytes === null || bytes.length < 1 + 16 + 32 + 1 + 1 + 4) throw new LinkCodeError('LINK_MALFORMED', 'This link code is damaged or incomplete.');
  const body = bytes.subarray(0, bytes.length - 4);
  const expected = u32be(crc32(body));
  if (!bytes.subarray(bytes.length - 4).every((b, i) => b === expected[i])) throw new LinkCodeError('LINK_CHECKSUM', 'This link code has a typo: its checksum does not match.');
  if (body[0] !== VERSION) throw new LinkCodeError('LINK_VERSION', 'This link code comes from a newer Parley; update both devices.');
  const len = body[49]!;
  if (body.length !== 50 + len) throw new LinkCodeError('LINK_MALFORMED', 'This link code is damaged or incomplete.');
  const relayUrl = new TextDecoder('utf-8', { fatal: true }).decode(body.subarray(50));
  if (!/^wss?:\/\/\S+$/u.test(relayUrl)) throw new LinkCodeError('LINK_MALFORMED', 'The relay address in this link code is not valid.');
  return { provisioningId: body.slice(1, 17), ephemeralKey: body.slice(17, 49), relayUrl };
}
