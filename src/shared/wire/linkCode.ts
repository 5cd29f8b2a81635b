/**
 * The link code a new desktop shows (as QR and as text) so an existing
 * device can provision it: a checked code (./checkedCode.ts) with prefix
 * "parleylink1", version 1, and as body the provisioning id (16) ‖ the new
 * device's ephemeral X25519 public key (32). The key travels out of band
 * (camera or copy-paste), so a relay that substitutes keys cannot read or
 * alter what is provisioned.
 */
import { ParleyError } from '../errors';
import { concatBytes } from './encoding';
import { decodeCheckedCode, encodeCheckedCode, type CheckedCodeSpec } from './checkedCode';

export const LINK_PREFIX = 'parleylink1';
const SPEC: CheckedCodeSpec = { prefix: LINK_PREFIX, version: 1, bodyBytes: 48 };

export type LinkCodeErrorCode = 'LINK_MALFORMED' | 'LINK_CHECKSUM' | 'LINK_VERSION';
export class LinkCodeError extends ParleyError<LinkCodeErrorCode> {}

const PROBLEMS = {
  malformed: ['LINK_MALFORMED', 'This is not a valid Parley link code (it starts with “parleylink1”).'],
  checksum: ['LINK_CHECKSUM', 'This link code has a typo: its checksum does not match.'],
  version: ['LINK_VERSION', 'This link code comes from a newer Parley; update both devices.'],
} as const;

export interface LinkCode {
  readonly provisioningId: Uint8Array;
  readonly ephemeralKey: Uint8Array;
  readonly relayUrl: string;
}

export function encodeLinkCode(link: LinkCode): string {
  const body = link.provisioningId.length === 16 && link.ephemeralKey.length === 32 ? concatBytes(link.provisioningId, link.ephemeralKey) : new Uint8Array(0);
  const code = encodeCheckedCode(SPEC, body, link.relayUrl);
  if (code === 'malformed' || code === 'checksum' || code === 'version') throw new LinkCodeError('LINK_MALFORMED', 'A link code carries a 16-byte id, a 32-byte key and a relay URL of at most 200 bytes.');
  return code;
}

export function decodeLinkCode(text: string): LinkCode {
  const r = decodeCheckedCode(SPEC, text);
  if (typeof r === 'string') throw new LinkCodeError(PROBLEMS[r][0], PROBLEMS[r][1]);
  return { provisioningId: r.body.slice(0, 16), ephemeralKey: r.body.slice(16), relayUrl: r.relayUrl };
}
