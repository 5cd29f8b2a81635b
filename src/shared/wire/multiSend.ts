/**
 * The multi-recipient send (docs/protocol.md §3.5.1): one binary WebSocket
 * frame carrying one shared sealed part and one 80-byte entry per recipient
 * device, and the JSON reply listing per-recipient failures. Binary, because
 * 1,024 entries in base64 JSON would cost a third more upload and a parse of
 * ~110 KB of text; JSON frames are never binary, so the WebSocket frame type
 * tells the two apart.
 *
 *   frame  = tag 0x01 (1) ‖ version (1) ‖ request id (u32) ‖ n (u16) ‖ L (u32) ‖ shared (L) ‖ n × entry
 *   entry  = device id (32, the raw Ed25519 key its id names) ‖ wrapped key (32) ‖ tag (16)
 *   shared = 0x04 ‖ … (a version 4 sealed envelope without its per-recipient part)
 *
 * The relay queues, for each entry, its own envelope:
 *   shared[0] ‖ entry[32..80] ‖ shared[1..]
 * so every mailbox holds an ordinary envelope sealed to its device.
 */
import { z } from 'zod';
import { RELAY_MAX_ENVELOPE_BYTES, RELAY_MAX_MULTI_RECIPIENTS, RELAY_MAX_MULTI_SEND_BYTES, RELAY_PROTOCOL_VERSION } from '../constants';
import { deviceListSchema } from './relay';

/** First byte of a sendMulti frame. */
export const SEND_MULTI_TAG = 0x01;
/** First byte of a multi-recipient sealed envelope: version 4 (epoch entry keys; version 3, one day old and never released, is retired). */
export const MULTI_SEAL_VERSION = 0x04;
/** The per-upload random salt in a version 4 shared part. */
export const MULTI_SALT_BYTES = 16;
/** A device id's raw key length. */
export const DEVICE_KEY_BYTES = 32;
/** The per-recipient part of an entry that lands in its envelope: wrapped key (32) and tag (16). */
export const MULTI_KEY_PART_BYTES = 48;
/** One entry: device id and its key part. */
export const MULTI_ENTRY_BYTES = DEVICE_KEY_BYTES + MULTI_KEY_PART_BYTES;
/** Frame header: tag, version, request id, recipient count, shared length. */
export const SEND_MULTI_HEADER_BYTES = 1 + 1 + 4 + 2 + 4;
/** Smallest shared part: version byte, epoch key, salt, sender keys, kind, hint, AEAD tag. */
export const MULTI_SHARED_MIN_BYTES = 1 + 32 + MULTI_SALT_BYTES + 64 + 2 + 16;

/** Why a sendMulti frame was refused before anything was queued. */
export type SendMultiFrameError = { readonly code: 'BAD_FRAME' | 'UNSUPPORTED_VERSION' | 'TOO_LARGE'; readonly message: string; readonly id: number | null };

/** A parsed sendMulti frame: the request id, the shared part and one entry per recipient (views into the frame). */
export interface SendMultiFrame {
  readonly id: number;
  readonly shared: Uint8Array;
  readonly entries: readonly Uint8Array[];
}

/** The envelope a recipient's mailbox gets: the shared part with that entry's key part after its version byte. */
export function spliceEnvelope(shared: Uint8Array, entry: Uint8Array): Uint8Array {
  const out = new Uint8Array(shared.length + MULTI_KEY_PART_BYTES);
  out[0] = shared[0]!;
  out.set(entry.subarray(DEVICE_KEY_BYTES, MULTI_ENTRY_BYTES), 1);
  out.set(shared.subarray(1), 1 + MULTI_KEY_PART_BYTES);
  return out;
}

/** Builds a sendMulti frame. */
export function encodeSendMulti(id: number, shared: Uint8Array, entries: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(SEND_MULTI_HEADER_BYTES + shared.length + entries.length * MULTI_ENTRY_BYTES);
  const view = new DataView(out.buffer);
  out[0] = SEND_MULTI_TAG;
  out[1] = RELAY_PROTOCOL_VERSION;
  view.setUint32(2, id);
  view.setUint16(6, entries.length);
  view.setUint32(8, shared.length);
  out.set(shared, SEND_MULTI_HEADER_BYTES);
  let at = SEND_MULTI_HEADER_BYTES + shared.length;
  for (const e of entries) {
    out.set(e, at);
    at += MULTI_ENTRY_BYTES;
  }
  return out;
}

/** Parses a binary frame as sendMulti; every malformed input is a typed refusal, never a throw. */
export function decodeSendMulti(frame: Uint8Array): SendMultiFrame | SendMultiFrameError {
  const bad = (code: SendMultiFrameError['code'], message: string, id: number | null = null): SendMultiFrameError => ({ code, message, id });
  if (frame.length < SEND_MULTI_HEADER_BYTES) return bad('BAD_FRAME', 'binary frame too short');
  if (frame[0] !== SEND_MULTI_TAG) return bad('BAD_FRAME', 'unknown binary frame');
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const rawId = view.getUint32(2);
  const id = rawId <= 2 ** 31 ? rawId : null;
  if (id === null) return bad('BAD_FRAME', 'request id out of range');
  if (frame[1] !== RELAY_PROTOCOL_VERSION) return bad('UNSUPPORTED_VERSION', `frame version must be ${RELAY_PROTOCOL_VERSION}`, id);
  if (frame.length > RELAY_MAX_MULTI_SEND_BYTES) return bad('TOO_LARGE', `a multi-recipient send exceeds ${RELAY_MAX_MULTI_SEND_BYTES} bytes`, id);
  const n = view.getUint16(6);
  const length = view.getUint32(8);
  if (n === 0) return bad('BAD_FRAME', 'no recipients', id);
  if (n > RELAY_MAX_MULTI_RECIPIENTS) return bad('TOO_LARGE', `a multi-recipient send addresses at most ${RELAY_MAX_MULTI_RECIPIENTS} devices`, id);
  if (length < MULTI_SHARED_MIN_BYTES) return bad('BAD_FRAME', 'shared part too short', id);
  if (length + MULTI_KEY_PART_BYTES > RELAY_MAX_ENVELOPE_BYTES) return bad('TOO_LARGE', `an envelope exceeds ${RELAY_MAX_ENVELOPE_BYTES} bytes`, id);
  if (frame.length !== SEND_MULTI_HEADER_BYTES + length + n * MULTI_ENTRY_BYTES) return bad('BAD_FRAME', 'frame length does not match its counts', id);
  const shared = frame.subarray(SEND_MULTI_HEADER_BYTES, SEND_MULTI_HEADER_BYTES + length);
  if (shared[0] !== MULTI_SEAL_VERSION) return bad('BAD_FRAME', 'shared part is not a version 4 sealed envelope', id);
  const entries: Uint8Array[] = [];
  for (let i = 0, at = SEND_MULTI_HEADER_BYTES + length; i < n; i++, at += MULTI_ENTRY_BYTES) entries.push(frame.subarray(at, at + MULTI_ENTRY_BYTES));
  return { id, shared, entries };
}

/** Why the relay did not queue one recipient: no account lists the device, or more than one does. */
export const multiFailureCodes = ['UNKNOWN_DEVICE', 'AMBIGUOUS_DEVICE'] as const;

const keyId = z.string().length(43).regex(/^[A-Za-z0-9_-]*$/);

/**
 * The reply to sendMulti: how many envelopes were queued, every recipient
 * that was not (with the account that once listed it, when the relay knows
 * one), and the current signed list of each such account (verify before use).
 */
export const sendMultiReplySchema = z.strictObject({
  queued: z.number().int().min(0).max(RELAY_MAX_MULTI_RECIPIENTS),
  failed: z.array(z.strictObject({ deviceId: keyId, code: z.enum(multiFailureCodes), accountIds: z.array(keyId).max(RELAY_MAX_MULTI_RECIPIENTS) })).max(RELAY_MAX_MULTI_RECIPIENTS),
  lists: z.array(deviceListSchema).max(RELAY_MAX_MULTI_RECIPIENTS),
});
/** The reply to sendMulti. */
export type SendMultiReply = z.infer<typeof sendMultiReplySchema>;
