/**
 * The binary `send` frame (docs/protocol.md §3.5): the same request as the
 * JSON `send` (1…RELAY_MAX_SEND_RECIPIENTS envelopes, each for one device,
 * answered by one `response` with `{queued}`), for a relay that said in
 * its `options` reply that it takes it. Keys and envelopes go as raw bytes,
 * so a burst of sends uploads a quarter less and neither side encodes or
 * parses base64 or JSON per envelope.
 *
 *   frame = tag 0x02 (1) ‖ version (1) ‖ request id (u32, ≤ 2³¹) ‖ n (u16) ‖ n × entry
 *   entry = account key (32) ‖ device key (32) ‖ envelope length (u32) ‖ envelope
 *
 * The keys are the raw 32 bytes an account id and a device id name
 * (base64url). A malformed frame is a typed refusal, never a throw.
 */
import { RELAY_MAX_ENVELOPE_BYTES, RELAY_MAX_SEND_RECIPIENTS, RELAY_PROTOCOL_VERSION } from '../constants';

/** First byte of a binary send frame. */
export const BINARY_SEND_TAG = 0x02;
/** Frame header: tag, version, request id, entry count. */
export const BINARY_SEND_HEADER_BYTES = 1 + 1 + 4 + 2;
/** An entry's fixed part: both keys and the envelope's length. */
export const BINARY_SEND_ENTRY_BYTES = 32 + 32 + 4;

/** One envelope for one device, with the raw keys its account and device ids name. */
export interface BinarySendEntry {
  readonly accountKey: Uint8Array;
  readonly deviceKey: Uint8Array;
  readonly envelope: Uint8Array;
}

/** A parsed binary send frame: the request id and its entries (views into the frame). */
export interface BinarySend {
  readonly id: number;
  readonly entries: readonly BinarySendEntry[];
}

/** Why a binary send frame was refused before anything was queued (`id`: the request id, when it could be read). */
export type BinarySendError = { readonly code: 'BAD_FRAME' | 'UNSUPPORTED_VERSION' | 'TOO_LARGE'; readonly message: string; readonly id: number | null };

/** Builds a binary send frame for 1…RELAY_MAX_SEND_RECIPIENTS entries with 32-byte keys. */
export function encodeBinarySend(id: number, entries: readonly BinarySendEntry[]): Uint8Array {
  if (entries.length === 0 || entries.length > RELAY_MAX_SEND_RECIPIENTS) throw new RangeError(`a send carries 1 to ${RELAY_MAX_SEND_RECIPIENTS} envelopes`);
  let size = BINARY_SEND_HEADER_BYTES;
  for (const e of entries) size += BINARY_SEND_ENTRY_BYTES + e.envelope.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out[0] = BINARY_SEND_TAG;
  out[1] = RELAY_PROTOCOL_VERSION;
  view.setUint32(2, id);
  view.setUint16(6, entries.length);
  let at = BINARY_SEND_HEADER_BYTES;
  for (const e of entries) {
    if (e.accountKey.length !== 32 || e.deviceKey.length !== 32) throw new RangeError('a key is 32 bytes');
    out.set(e.accountKey, at);
    out.set(e.deviceKey, at + 32);
    view.setUint32(at + 64, e.envelope.length);
    out.set(e.envelope, at + BINARY_SEND_ENTRY_BYTES);
    at += BINARY_SEND_ENTRY_BYTES + e.envelope.length;
  }
  return out;
}

/** Parses a binary frame as a binary send; every malformed input is a typed refusal. */
export function decodeBinarySend(frame: Uint8Array): BinarySend | BinarySendError {
  const bad = (code: BinarySendError['code'], message: string, id: number | null = null): BinarySendError => ({ code, message, id });
  if (frame.length < BINARY_SEND_HEADER_BYTES) return bad('BAD_FRAME', 'binary frame too short');
  if (frame[0] !== BINARY_SEND_TAG) return bad('BAD_FRAME', 'unknown binary frame');
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const rawId = view.getUint32(2);
  if (rawId > 2 ** 31) return bad('BAD_FRAME', 'request id out of range');
  const id = rawId;
  if (frame[1] !== RELAY_PROTOCOL_VERSION) return bad('UNSUPPORTED_VERSION', `frame version must be ${RELAY_PROTOCOL_VERSION}`, id);
  const n = view.getUint16(6);
  if (n === 0) return bad('BAD_FRAME', 'no envelopes', id);
  if (n > RELAY_MAX_SEND_RECIPIENTS) return bad('TOO_LARGE', `a send carries at most ${RELAY_MAX_SEND_RECIPIENTS} envelopes`, id);
  const entries: BinarySendEntry[] = [];
  let at = BINARY_SEND_HEADER_BYTES;
  for (let k = 0; k < n; k++) {
    if (at + BINARY_SEND_ENTRY_BYTES > frame.length) return bad('BAD_FRAME', 'frame length does not match its counts', id);
    const length = view.getUint32(at + 64);
    if (length > RELAY_MAX_ENVELOPE_BYTES) return bad('TOO_LARGE', `an envelope exceeds ${RELAY_MAX_ENVELOPE_BYTES} bytes`, id);
    const start = at + BINARY_SEND_ENTRY_BYTES;
    if (start + length > frame.length) return bad('BAD_FRAME', 'frame length does not match its counts', id);
    entries.push({ accountKey: frame.subarray(at, at + 32), deviceKey: frame.subarray(at + 32, at + 64), envelope: frame.subarray(start, start + length) });
    at = start + length;
  }
  if (at !== frame.length) return bad('BAD_FRAME', 'frame length does not match its counts', id);
  return { id, entries };
}
