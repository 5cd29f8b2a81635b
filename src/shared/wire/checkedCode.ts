/**
 * Human-copyable codes (invite codes, link codes): a text prefix, then
 * unpadded base64url of version (1) ‖ body ‖ relay URL length (1) ‖ relay URL ‖
 * CRC-32 of everything before (4). The CRC catches copy errors only;
 * authenticity comes from elsewhere (safety numbers, out-of-band keys).
 */
import { INVITE_MAX_RELAY_URL_BYTES } from '../constants';
import { crc32 } from './crc32';
import { concatBytes, fromBase64Url, toBase64Url, u32be, utf8Bytes } from './encoding';

/** Why a checked code did not encode or decode. */
export type CheckedCodeProblem = 'malformed' | 'checksum' | 'version';

/** The layout of one kind of checked code: its text prefix, version byte and body length. */
export interface CheckedCodeSpec {
  readonly prefix: string;
  readonly version: number;
  /** Exact byte length of the fixed body between the version byte and the relay URL. */
  readonly bodyBytes: number;
}

/** Encodes a body and relay URL as a checked code, or says why it cannot. */
export function encodeCheckedCode(spec: CheckedCodeSpec, body: Uint8Array, relayUrl: string): string | CheckedCodeProblem {
  const relay = utf8Bytes(relayUrl);
  if (body.length !== spec.bodyBytes || relay.length === 0 || relay.length > INVITE_MAX_RELAY_URL_BYTES) return 'malformed';
  const all = concatBytes(new Uint8Array([spec.version]), body, new Uint8Array([relay.length]), relay);
  return spec.prefix + toBase64Url(concatBytes(all, u32be(crc32(all))));
}

/**
 * The checksummed bytes of a code (version ‖ body ‖ relay URL length ‖ relay
 * URL), or why there are none. The CRC is checked before the version byte is
 * read, so a code of another version is told apart from a typo.
 */
function unwrap(prefix: string, text: string): Uint8Array | 'malformed' | 'checksum' {
  const code = text.trim();
  if (!code.startsWith(prefix)) return 'malformed';
  const bytes = fromBase64Url(code.slice(prefix.length));
  if (bytes === null || bytes.length < 1 + 1 + 1 + 4) return 'malformed';
  const all = bytes.subarray(0, bytes.length - 4);
  const expected = u32be(crc32(all));
  return bytes.subarray(bytes.length - 4).every((b, i) => b === expected[i]) ? all : 'checksum';
}

/** The version byte of a code whose checksum holds, whichever version it is (so a reader can say "older" or "newer"); null otherwise. */
export function checkedCodeVersion(prefix: string, text: string): number | null {
  const all = unwrap(prefix, text);
  return typeof all === 'string' ? null : all[0]!;
}

/** Decodes a checked code (prefix, version, length and CRC checked), or says what is wrong with it. */
export function decodeCheckedCode(spec: CheckedCodeSpec, text: string): { body: Uint8Array; relayUrl: string } | CheckedCodeProblem {
  const all = unwrap(spec.prefix, text);
  if (typeof all === 'string') return all;
  if (all[0] !== spec.version) return 'version';
  const len = all[1 + spec.bodyBytes];
  if (len === undefined || all.length !== 2 + spec.bodyBytes + len) return 'malformed';
  let relayUrl: string;
  try {
    relayUrl = new TextDecoder('utf-8', { fatal: true }).decode(all.subarray(2 + spec.bodyBytes));
  } catch {
    return 'malformed';
  }
  if (!/^wss?:\/\/\S+$/u.test(relayUrl)) return 'malformed';
  return { body: all.slice(1, 1 + spec.bodyBytes), relayUrl };
}
