/**
 * The relay's `send` frame (docs/protocol.md §3.5) in its two forms: the
 * binary frame's entries (binarySendEntries) for a relay that takes it, and
 * the bytes of its JSON text, written piece by piece: the same text as
 * `JSON.stringify({ v, id, type: 'send', messages })`, without building it
 * as one string. Why: a flush's frame is up to 64 envelopes (≈ 190 KB when
 * each carries its PQXDH preamble), and on Node 20 the string JSON.stringify
 * returns is a rope that `ws` flattened (in `Buffer.byteLength`) and then
 * encoded to UTF-8 byte by byte: ≈ 1.5 ms a frame, ≈ 25 µs a message (the
 * micro-benchmark and profile are in docs/BENCHMARKS.md, fifth round).
 * Every piece here is known to be ASCII (base64url envelopes, ids checked
 * by `PLAIN`) and is copied as Latin-1, which is a plain copy; anything else
 * (a test's free-form envelope, an odd id) goes through JSON.stringify and
 * UTF-8 as before.
 */
import { RELAY_PROTOCOL_VERSION } from '../../shared/constants';
import type { BinarySendEntry } from '../../shared/wire/binarySend';

/** One envelope for one device; `envelope` is the sealed bytes, or their base64url text. */
export interface SendEntry {
  readonly accountId: string;
  readonly deviceId: string;
  readonly envelope: string | Uint8Array;
}

/** Characters JSON leaves as they are and that are one byte in UTF-8: such a string is written between quotes as it stands. */
const PLAIN = /^[A-Za-z0-9_.-]*$/;

/** A JSON string literal as [text, encoding]: plain ASCII as Latin-1 (a copy), anything else escaped by JSON.stringify and written as UTF-8. */
function literal(s: string): [string, 'latin1' | 'utf8'] {
  return PLAIN.test(s) ? [`"${s}"`, 'latin1'] : [JSON.stringify(s), 'utf8'];
}

/** The `send` request frame with request id `id`, as the UTF-8 bytes of its JSON text (send it as a text frame). */
export function encodeSendFrame(id: number, messages: readonly SendEntry[]): Buffer {
  const pieces: [string, 'latin1' | 'utf8'][] = [[`{"v":${RELAY_PROTOCOL_VERSION},"id":${id},"type":"send","messages":[`, 'latin1']];
  messages.forEach((m, i) => {
    const [account, accountEnc] = literal(m.accountId);
    const [device, deviceEnc] = literal(m.deviceId);
    pieces.push([`${i === 0 ? '' : ','}{"accountId":`, 'latin1'], [account, accountEnc], [',"deviceId":', 'latin1'], [device, deviceEnc], [',"envelope":', 'latin1']);
    if (typeof m.envelope === 'string') pieces.push(literal(m.envelope));
    else pieces.push(['"', 'latin1'], [Buffer.from(m.envelope.buffer, m.envelope.byteOffset, m.envelope.byteLength).toString('base64url'), 'latin1'], ['"', 'latin1']);
    pieces.push(['}', 'latin1']);
  });
  pieces.push([']}', 'latin1']);
  let size = 0;
  for (const [text, enc] of pieces) size += enc === 'latin1' ? text.length : Buffer.byteLength(text, 'utf8');
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const [text, enc] of pieces) at += out.write(text, at, enc);
  return out;
}

/** What a 32-byte key's base64url id looks like (canonical only if it also decodes back to itself). */
const KEY_ID = /^[A-Za-z0-9_-]{43}$/;

/** Most ids whose raw keys a connection keeps (binarySendEntries); past it the map starts over. */
const KEY_CACHE_MAX = 4096;

/** The raw 32 bytes a canonical base64url id names, or null (not 43 characters of the alphabet, or not canonical). */
function rawKey(id: string, cache: Map<string, Uint8Array>): Uint8Array | null {
  const hit = cache.get(id);
  if (hit) return hit;
  if (!KEY_ID.test(id)) return null;
  const raw = Buffer.from(id, 'base64url');
  if (raw.length !== 32 || raw.toString('base64url') !== id) return null;
  if (cache.size >= KEY_CACHE_MAX) cache.clear();
  const key = new Uint8Array(raw);
  cache.set(id, key);
  return key;
}

/**
 * The entries of a binary `send` frame (shared/wire/binarySend.ts), or null
 * when one entry cannot go binary (an envelope given as text, an id that is
 * not the canonical base64url of 32 bytes): that frame goes as JSON.
 */
export function binarySendEntries(messages: readonly SendEntry[], cache: Map<string, Uint8Array>): BinarySendEntry[] | null {
  const out: BinarySendEntry[] = [];
  for (const m of messages) {
    if (typeof m.envelope === 'string') return null;
    const accountKey = rawKey(m.accountId, cache);
    const deviceKey = rawKey(m.deviceId, cache);
    if (!accountKey || !deviceKey) return null;
    out.push({ accountKey, deviceKey, envelope: m.envelope });
  }
  return out;
}
