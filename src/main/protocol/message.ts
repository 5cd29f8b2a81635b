/**
 * Wire layout of ratchet messages (docs/protocol.md §2.5).
 *
 * Normal:  0x01 ‖ nonce (24) ‖ encHeader (40 + 16) ‖ body (plaintext + 16)
 *   header plaintext = DHs (32) ‖ PN (u32) ‖ N (u32)
 * Initial: 0x02 ‖ IK_A (32, Ed25519) ‖ EK_A (32) ‖ SPK id (u32) ‖ OPK id (u32, 0 = none) ‖
 *          KEM prekey id (u32) ‖ KEM ciphertext (1088) ‖ a normal message
 */
import { MAX_RATCHET_PLAINTEXT_BYTES } from '../../shared/constants';
import { AEAD_TAG_BYTES, NONCE_BYTES } from './dh';
import { ProtocolError } from './errors';
import { MLKEM_CIPHERTEXT_BYTES } from './keys';

/** First byte of a normal ratchet message. */
export const MESSAGE_TYPE_NORMAL = 0x01;
/** First byte of an initial message (PQXDH preamble, then a normal message). */
export const MESSAGE_TYPE_INITIAL = 0x02;
/** Length of a plaintext header: DHs (32) ‖ PN (u32) ‖ N (u32). */
export const HEADER_BYTES = 40;
/** Length of an encrypted header: the header plus its AEAD tag. */
export const ENC_HEADER_BYTES = HEADER_BYTES + AEAD_TAG_BYTES;
/** Bytes a normal message adds to its plaintext: type, nonce, encrypted header and body tag. */
export const NORMAL_OVERHEAD = 1 + NONCE_BYTES + ENC_HEADER_BYTES + AEAD_TAG_BYTES;
/** Length of the PQXDH preamble of an initial message, type byte included. */
export const PREAMBLE_BYTES = 1 + 32 + 32 + 12 + MLKEM_CIPHERTEXT_BYTES;

/** The PQXDH fields of an initial message. */
export interface PreambleFields {
  readonly identityKey: Uint8Array;
  readonly baseKey: Uint8Array;
  readonly signedPreKeyId: number;
  /** 0 when the bundle had no one-time X25519 prekey. */
  readonly oneTimePreKeyId: number;
  readonly kemPreKeyId: number;
  readonly kemCiphertext: Uint8Array;
}

/** A parsed normal message: its bytes and views of its nonce, encrypted header and body. */
export interface NormalMessage {
  readonly type: 'normal';
  /** The whole message, whose first byte is also bound into both ADs. */
  readonly bytes: Uint8Array;
  readonly nonce: Uint8Array;
  readonly encHeader: Uint8Array;
  readonly body: Uint8Array;
}

/** A parsed initial message: the PQXDH fields and the normal message inside. */
export interface InitialMessage extends PreambleFields {
  readonly type: 'initial';
  readonly inner: NormalMessage;
}

/** Either kind of parsed ratchet message. */
export type RatchetMessage = NormalMessage | InitialMessage;

/** A decrypted header: the sender's ratchet public key, previous chain length and message number. */
export interface Header {
  readonly dh: Uint8Array;
  readonly pn: number;
  readonly n: number;
}

/** The plaintext header bytes for ratchet key `dh`, previous chain length `pn` and message number `n`. */
export function encodeHeader(dh: Uint8Array, pn: number, n: number): Uint8Array {
  const h = new Uint8Array(HEADER_BYTES);
  h.set(dh);
  const v = new DataView(h.buffer);
  v.setUint32(32, pn);
  v.setUint32(36, n);
  return h;
}

/** Reads a decrypted header (fields are views into `h`). */
export function decodeHeader(h: Uint8Array): Header {
  const v = new DataView(h.buffer, h.byteOffset, h.byteLength);
  return { dh: h.subarray(0, 32), pn: v.getUint32(32), n: v.getUint32(36) };
}

function malformed(what: string): never {
  throw new ProtocolError('PROTOCOL_MALFORMED', what);
}

function parseNormal(bytes: Uint8Array): NormalMessage {
  if (bytes.length < NORMAL_OVERHEAD) malformed('The message is too short.');
  if (bytes[0] !== MESSAGE_TYPE_NORMAL) throw new ProtocolError('PROTOCOL_VERSION', 'Unknown message type or version.');
  if (bytes.length - NORMAL_OVERHEAD > MAX_RATCHET_PLAINTEXT_BYTES) throw new ProtocolError('PROTOCOL_TOO_LARGE', 'The message is too large.');
  const e = 1 + NONCE_BYTES;
  return {
    type: 'normal',
    bytes,
    nonce: bytes.subarray(1, e),
    encHeader: bytes.subarray(e, e + ENC_HEADER_BYTES),
    body: bytes.subarray(e + ENC_HEADER_BYTES),
  };
}

/** Parses without any cryptography: callers learn which prekeys an initial message needs before decrypting. */
export function parseMessage(bytes: Uint8Array): RatchetMessage {
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) malformed('The message is empty.');
  if (bytes[0] === MESSAGE_TYPE_NORMAL) return parseNormal(bytes);
  if (bytes[0] !== MESSAGE_TYPE_INITIAL) throw new ProtocolError('PROTOCOL_VERSION', 'Unknown message type or version.');
  if (bytes.length < PREAMBLE_BYTES + NORMAL_OVERHEAD) malformed('The initial message is too short.');
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const signedPreKeyId = v.getUint32(65);
  const kemPreKeyId = v.getUint32(73);
  if (signedPreKeyId === 0 || kemPreKeyId === 0) malformed('A prekey id is zero.');
  return {
    type: 'initial',
    identityKey: bytes.subarray(1, 33),
    baseKey: bytes.subarray(33, 65),
    signedPreKeyId,
    oneTimePreKeyId: v.getUint32(69),
    kemPreKeyId,
    kemCiphertext: bytes.subarray(77, PREAMBLE_BYTES),
    inner: parseNormal(bytes.subarray(PREAMBLE_BYTES)),
  };
}

/** The preamble bytes of an initial message, type byte included. */
export function encodePreamble(p: PreambleFields): Uint8Array {
  const out = new Uint8Array(PREAMBLE_BYTES);
  const v = new DataView(out.buffer);
  out[0] = MESSAGE_TYPE_INITIAL;
  out.set(p.identityKey, 1);
  out.set(p.baseKey, 33);
  v.setUint32(65, p.signedPreKeyId);
  v.setUint32(69, p.oneTimePreKeyId);
  v.setUint32(73, p.kemPreKeyId);
  out.set(p.kemCiphertext, 77);
  return out;
}
