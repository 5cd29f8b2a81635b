/**
 * The link code a new desktop shows (as QR and as text) so an existing
 * device can provision it: a checked code (./checkedCode.ts) with prefix
 * "parleylink1", version 3, and as body (144 bytes)
 *
 *   provisioning id (16) ‖ ephemeral X25519 public key (32)
 *     ‖ device identity Ed25519 public key (32) ‖ device name (UTF-8, 1–32 bytes, zero-padded to 32)
 *     ‖ the relay's identity Ed25519 public key as the new device saw it (32)
 *
 * Version 2 (the same without the relay key) still decodes, with relayKey null.
 *
 * Everything travels out of band (camera or copy-paste), so a relay can
 * neither read nor alter what is provisioned, nor substitute the key the
 * existing device signs into the account's device list, nor the name it
 * shows before the user confirms.
 */
import { LINK_DEVICE_NAME_MAX_BYTES } from '../constants';
import { ParleyError } from '../errors';
import { checkedCodeVersion, decodeCheckedCode, encodeCheckedCode, type CheckedCodeSpec } from './checkedCode';
import { concatBytes, utf8Bytes } from './encoding';

/** The text prefix of a link code. */
export const LINK_PREFIX = 'parleylink1';
/** The current link code version; version 2 is still read, older versions are refused with LINK_VERSION. */
export const LINK_CODE_VERSION = 3;
/** The oldest link code version still read (without a relay key). */
const LINK_CODE_OLDEST = 2;
const ID_BYTES = 16;
const KEY_BYTES = 32;
const NAME_AT = ID_BYTES + 2 * KEY_BYTES;
const RELAY_KEY_AT = NAME_AT + LINK_DEVICE_NAME_MAX_BYTES;
const SPEC: CheckedCodeSpec = { prefix: LINK_PREFIX, version: LINK_CODE_VERSION, bodyBytes: RELAY_KEY_AT + KEY_BYTES };
const SPEC_V2: CheckedCodeSpec = { prefix: LINK_PREFIX, version: LINK_CODE_OLDEST, bodyBytes: RELAY_KEY_AT };

/** Why a link code was refused: malformed, mistyped (checksum) or from another version. */
export type LinkCodeErrorCode = 'LINK_MALFORMED' | 'LINK_CHECKSUM' | 'LINK_VERSION';
/** The error `decodeLinkCode` and `encodeLinkCode` raise. */
export class LinkCodeError extends ParleyError<LinkCodeErrorCode> {}

const PROBLEMS = {
  malformed: ['LINK_MALFORMED', 'This is not a valid Parley link code (it starts with “parleylink1”).'],
  checksum: ['LINK_CHECKSUM', 'This link code has a typo: its checksum does not match.'],
  version: ['LINK_VERSION', 'This link code comes from a newer Parley; update both devices.'],
} as const;
const OLDER = 'This link code comes from an older Parley that this version cannot link; update the new device and show its new link code.';

/** What a new device's link code carries: the channel to wait on, the keys to encrypt to and sign, and its name. */
export interface LinkCode {
  readonly provisioningId: Uint8Array;
  /** The new device's ephemeral X25519 public key: the provisioning payload is encrypted to it. */
  readonly ephemeralKey: Uint8Array;
  /** The new device's Ed25519 identity public key: the key the existing device signs into the device list. */
  readonly deviceKey: Uint8Array;
  /** The new device's display name, shown before the user confirms the link. */
  readonly deviceName: string;
  readonly relayUrl: string;
  /** The relay's identity key as the new device saw it (32 bytes); null in a version-2 code. */
  readonly relayKey: Uint8Array | null;
}

/** Control characters, line breaks, bidirectional overrides and lone surrogates: nothing a shown name may hide behind. */
const FORBIDDEN_IN_NAME = /[\p{Cc}\p{Cs}\p{Zl}\p{Zp}\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;

/** 1–LINK_DEVICE_NAME_MAX_BYTES UTF-8 bytes, not only spaces, without FORBIDDEN_IN_NAME characters. */
function validName(name: string, bytes: Uint8Array): boolean {
  return bytes.length >= 1 && bytes.length <= LINK_DEVICE_NAME_MAX_BYTES && name.trim() !== '' && !FORBIDDEN_IN_NAME.test(name);
}

const malformed = (message: string): LinkCodeError => new LinkCodeError('LINK_MALFORMED', message);

/** Encodes a new device's link code for its QR code and text field. */
export function encodeLinkCode(link: LinkCode): string {
  const name = utf8Bytes(link.deviceName);
  if (!validName(link.deviceName, name)) {
    throw malformed(`A device name is 1 to ${LINK_DEVICE_NAME_MAX_BYTES} bytes of UTF-8 text without control characters.`);
  }
  const sizesOk =
    link.provisioningId.length === ID_BYTES && link.ephemeralKey.length === KEY_BYTES && link.deviceKey.length === KEY_BYTES && (link.relayKey === null || link.relayKey.length === KEY_BYTES);
  const padded = new Uint8Array(LINK_DEVICE_NAME_MAX_BYTES);
  padded.set(name);
  const body = concatBytes(link.provisioningId, link.ephemeralKey, link.deviceKey, padded, link.relayKey ?? new Uint8Array(0));
  const code = encodeCheckedCode(link.relayKey === null ? SPEC_V2 : SPEC, sizesOk ? body : new Uint8Array(0), link.relayUrl);
  if (code === 'malformed' || code === 'checksum' || code === 'version') {
    throw malformed('A link code carries a 16-byte id, two or three 32-byte keys, a device name and a relay URL of at most 200 bytes.');
  }
  return code;
}

/** The name in its zero-padded field: the bytes before the first zero, all later bytes zero, valid UTF-8 and a valid name. */
function decodeName(field: Uint8Array): string | null {
  const zero = field.indexOf(0);
  const end = zero === -1 ? field.length : zero;
  if (field.subarray(end).some((b) => b !== 0)) return null;
  let name: string;
  try {
    name = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(field.subarray(0, end));
  } catch {
    return null;
  }
  return validName(name, field.subarray(0, end)) ? name : null;
}

/** Decodes a link code scanned or pasted on the existing device (version 3, or version 2 without a relay key). */
export function decodeLinkCode(text: string): LinkCode {
  const found = checkedCodeVersion(LINK_PREFIX, text);
  const r = decodeCheckedCode(found === LINK_CODE_OLDEST ? SPEC_V2 : SPEC, text);
  if (r === 'version') {
    throw new LinkCodeError('LINK_VERSION', found !== null && found < LINK_CODE_OLDEST ? OLDER : PROBLEMS.version[1]);
  }
  if (typeof r === 'string') throw new LinkCodeError(PROBLEMS[r][0], PROBLEMS[r][1]);
  const deviceName = decodeName(r.body.subarray(NAME_AT, RELAY_KEY_AT));
  if (deviceName === null) throw malformed('This link code carries an invalid device name.');
  return {
    provisioningId: r.body.slice(0, ID_BYTES),
    ephemeralKey: r.body.slice(ID_BYTES, ID_BYTES + KEY_BYTES),
    deviceKey: r.body.slice(ID_BYTES + KEY_BYTES, NAME_AT),
    deviceName,
    relayUrl: r.relayUrl,
    relayKey: found === LINK_CODE_OLDEST ? null : r.body.slice(RELAY_KEY_AT),
  };
}
