/**
 * Binary message pushes (docs/protocol.md §3.1.1): the relay's `message`
 * frames for a client that asked for them (the `options` request), as one
 * binary WebSocket message per flush instead of newline-separated JSON with
 * base64url envelopes. A catch-up is mostly this frame: binary saves the
 * client a UTF-8 decode, a JSON parse and a base64 check and decode per
 * envelope, and a quarter of the bytes (bench:app, docs/BENCHMARKS.md).
 *
 *   frame   = tag 0x81 (1) ‖ version (1) ‖ n (u16, ≥ 1) ‖ n × message
 *   message = id length (u8, 1…18) ‖ id (ASCII decimal digits) ‖
 *             ts (u32 high ‖ u32 low: ms, at most 2⁵³ − 1) ‖ envelope length (u32) ‖ envelope
 *
 * The same fields as the JSON frame, with its bounds: an envelope of at
 * most RELAY_MAX_ENVELOPE_BYTES, and an id an ack can name (the relay
 * sends a message whose id does not fit as JSON). A frame that breaks any
 * rule, or whose length does not match its counts, is refused whole.
 */
import { RELAY_MAX_ENVELOPE_BYTES, RELAY_PROTOCOL_VERSION } from '../constants';

/** First byte of a binary pushes frame (client frames use tags below 0x80). */
export const PUSH_FRAME_TAG = 0x81;
/** Frame header: tag, version, message count. */
export const PUSH_HEADER_BYTES = 1 + 1 + 2;
/** Longest message id a binary push carries: the ids an ack names (1 to 18 digits). */
export const PUSH_MAX_ID_CHARS = 18;
/** Most messages in one frame (the count is a u16). */
export const PUSH_MAX_MESSAGES = 0xffff;

/** One pushed message: its id (to ack), the relay's receive time and the envelope. */
export interface PushedMessage {
  readonly id: string;
  readonly ts: number;
  readonly envelope: Uint8Array;
}

const DIGITS = /^[0-9]{1,18}$/;

/** Whether a message can go in a binary push (its id is 1–18 digits, its time a safe integer, its envelope within bounds). */
export function fitsPush(m: PushedMessage): boolean {
  return DIGITS.test(m.id) && Number.isSafeInteger(m.ts) && m.ts >= 0 && m.envelope.length <= RELAY_MAX_ENVELOPE_BYTES;
}

/** Bytes one message takes in a frame. */
export const pushedBytes = (m: PushedMessage): number => 1 + m.id.length + 8 + 4 + m.envelope.length;

/** One binary pushes frame for 1…PUSH_MAX_MESSAGES messages that each fit (fitsPush). */
export function encodePushes(ms: readonly PushedMessage[]): Uint8Array {
  if (ms.length === 0 || ms.length > PUSH_MAX_MESSAGES) throw new RangeError('a pushes frame carries 1 to 65535 messages');
  let size = PUSH_HEADER_BYTES;
  for (const m of ms) size += pushedBytes(m);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out[0] = PUSH_FRAME_TAG;
  out[1] = RELAY_PROTOCOL_VERSION;
  view.setUint16(2, ms.length);
  let at = PUSH_HEADER_BYTES;
  for (const m of ms) {
    if (!fitsPush(m)) throw new RangeError('a message that does not fit a binary push');
    out[at++] = m.id.length;
    for (let i = 0; i < m.id.length; i++) out[at++] = m.id.charCodeAt(i);
    view.setUint32(at, Math.floor(m.ts / 2 ** 32));
    view.setUint32(at + 4, m.ts >>> 0);
    view.setUint32(at + 8, m.envelope.length);
    at += 12;
    out.set(m.envelope, at);
    at += m.envelope.length;
  }
  return out;
}

/** Parses a binary pushes frame; null for anything that breaks a rule (see the file comment). Envelopes are copies, not views of the frame. */
export function decodePushes(frame: Uint8Array): PushedMessage[] | null {
  if (frame.length < PUSH_HEADER_BYTES || frame[0] !== PUSH_FRAME_TAG || frame[1] !== RELAY_PROTOCOL_VERSION) return null;
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const n = view.getUint16(2);
  if (n === 0) return null;
  const out: PushedMessage[] = [];
  let at = PUSH_HEADER_BYTES;
  for (let k = 0; k < n; k++) {
    if (at + 1 > frame.length) return null;
    const idLength = frame[at]!;
    if (idLength < 1 || idLength > PUSH_MAX_ID_CHARS || at + 1 + idLength + 12 > frame.length) return null;
    let id = '';
    for (let i = at + 1; i < at + 1 + idLength; i++) {
      const c = frame[i]!;
      if (c < 0x30 || c > 0x39) return null;
      id += String.fromCharCode(c);
    }
    at += 1 + idLength;
    const high = view.getUint32(at);
    const ts = high * 2 ** 32 + view.getUint32(at + 4);
    const length = view.getUint32(at + 8);
    at += 12;
    if (!Number.isSafeInteger(ts) || length > RELAY_MAX_ENVELOPE_BYTES || at + length > frame.length) return null;
    out.push({ id, ts, envelope: frame.slice(at, at + length) });
    at += length;
  }
  return at === frame.length ? out : null;
}
