/**
 * The pushed-message frame, the one frame a catch-up parses ten thousand
 * times, checked by hand instead of by zod: exactly as strict as
 * `messageFrameSchema` followed by `fromBase64Url` (the same keys and no
 * others, the same bounds, the base64url alphabet, no padding and a
 * canonical tail), which test/unit/relay/messageFrame.test.ts checks
 * frame by frame against the schema. The envelope is decoded by Node's
 * native base64 once the text is known to be strict base64url (≈ 3× faster
 * than the portable decoder at envelope size; this runs in main only).
 */
import { RELAY_MAX_ENVELOPE_BYTES, RELAY_PROTOCOL_VERSION } from '../../shared/constants';

/** A message the relay delivered: its id (to ack), server time and envelope. */
export interface IncomingMessage {
  readonly id: string;
  readonly ts: number;
  readonly envelope: Uint8Array;
}

const MAX_ENVELOPE_CHARS = Math.ceil(((RELAY_MAX_ENVELOPE_BYTES + 3) * 4) / 3);
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const KEYS = new Set(['v', 'type', 'id', 'ts', 'envelope']);

/** The value of one base64url character (the text was checked against the alphabet). */
const sextet = (c: number): number => (c >= 97 ? c - 71 : c >= 65 ? c - 65 : c >= 48 ? c + 4 : c === 45 ? 62 : 63);

/** Strict base64url (as fromBase64Url) decoded natively; null for anything fromBase64Url refuses. */
export function decodeEnvelope(text: string): Uint8Array | null {
  const rest = text.length % 4;
  if (rest === 1 || !BASE64URL.test(text)) return null;
  // Non-canonical trailing bits (set bits past the last whole byte) are refused.
  if (rest === 2 && (sextet(text.charCodeAt(text.length - 1)) & 15) !== 0) return null;
  if (rest === 3 && (sextet(text.charCodeAt(text.length - 1)) & 3) !== 0) return null;
  return new Uint8Array(Buffer.from(text, 'base64url')); // its own copy: a small Buffer is a view of Node's shared pool
}

/** A parsed `message` frame, or null where messageFrameSchema (or the envelope's decoding) would refuse it. */
export function parseMessageFrame(f: Record<string, unknown>): IncomingMessage | null {
  let keys = 0;
  for (const k in f) {
    if (!Object.hasOwn(f, k)) continue;
    if (!KEYS.has(k)) return null;
    keys++;
  }
  const { v, type, id, ts, envelope } = f;
  if (keys !== KEYS.size || v !== RELAY_PROTOCOL_VERSION || type !== 'message') return null;
  if (typeof id !== 'string' || id.length < 1 || id.length > 128) return null;
  if (typeof ts !== 'number' || !Number.isSafeInteger(ts) || ts < 0) return null;
  if (typeof envelope !== 'string' || envelope.length > MAX_ENVELOPE_CHARS) return null;
  const bytes = decodeEnvelope(envelope);
  return bytes ? { id, ts, envelope: bytes } : null;
}
