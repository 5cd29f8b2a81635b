/**
 * The hand-written check of pushed-message frames (src/main/relayClient/
 * messageFrame.ts) gives the same verdict and the same bytes as the zod
 * schema followed by the strict base64url decoder, frame by frame, for good
 * frames and for every kind of bad one.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeEnvelope, parseMessageFrame } from '../../../src/main/relayClient/messageFrame';
import { messageFrameSchema } from '../../../src/shared/wire/relay';
import { fromBase64Url, toBase64Url } from '../../../src/shared/wire/encoding';
import { RELAY_MAX_ENVELOPE_BYTES } from '../../../src/shared/constants';

const bySchema = (f: unknown): { id: string; ts: number; envelope: number[] } | null => {
  const m = messageFrameSchema.safeParse(f);
  const envelope = m.success ? fromBase64Url(m.data.envelope) : null;
  return m.success && envelope ? { id: m.data.id, ts: m.data.ts, envelope: [...envelope] } : null;
};
const byHand = (f: unknown): { id: string; ts: number; envelope: number[] } | null => {
  const m = parseMessageFrame(f as Record<string, unknown>);
  return m ? { id: m.id, ts: m.ts, envelope: [...m.envelope] } : null;
};

const good = { v: 1, type: 'message', id: '12', ts: 1_700_000_000_000, envelope: toBase64Url(new Uint8Array(randomBytes(600))) };
const frames: [string, unknown][] = [
  ['a good frame', good],
  ['an empty envelope', { ...good, envelope: '' }],
  ['an extra key', { ...good, extra: 1 }],
  ['a missing key', { v: 1, type: 'message', id: '1', ts: 1 }],
  ['another version', { ...good, v: 2 }],
  ['another type', { ...good, type: 'response' }],
  ['an empty id', { ...good, id: '' }],
  ['an id of 128 characters', { ...good, id: 'x'.repeat(128) }],
  ['an id of 129 characters', { ...good, id: 'x'.repeat(129) }],
  ['a numeric id', { ...good, id: 12 }],
  ['a negative time', { ...good, ts: -1 }],
  ['a fractional time', { ...good, ts: 1.5 }],
  ['an unsafe time', { ...good, ts: 2 ** 53 }],
  ['a time as a string', { ...good, ts: '1' }],
  ['padding', { ...good, envelope: `${good.envelope.slice(0, 798)}==` }],
  ['standard base64 characters', { ...good, envelope: `+/${good.envelope.slice(2)}` }],
  ['whitespace', { ...good, envelope: ` ${good.envelope.slice(1)}` }],
  ['a non-ASCII character', { ...good, envelope: `é${good.envelope.slice(1)}` }],
  ['a length of 4n + 1', { ...good, envelope: `${good.envelope}A` }],
  ['a non-canonical tail of 2', { ...good, envelope: 'AB' }],
  ['a canonical tail of 2', { ...good, envelope: 'AQ' }],
  ['a non-canonical tail of 3', { ...good, envelope: 'AAB' }],
  ['a canonical tail of 3', { ...good, envelope: 'AAE' }],
  ['an envelope at the size bound', { ...good, envelope: 'A'.repeat(Math.ceil(((RELAY_MAX_ENVELOPE_BYTES + 3) * 4) / 3)) }],
  ['an envelope past the size bound', { ...good, envelope: 'A'.repeat(Math.ceil(((RELAY_MAX_ENVELOPE_BYTES + 3) * 4) / 3) + 4) }],
  ['an envelope that is not a string', { ...good, envelope: [1, 2] }],
];

describe('pushed-message frames checked by hand', () => {
  it.each(frames)('agrees with the schema on %s', (_what, f) => {
    expect(byHand(f)).toEqual(bySchema(f));
  });

  it('agrees with the portable decoder on envelopes of every length and tail', () => {
    for (let n = 0; n < 70; n++) {
      const text = toBase64Url(new Uint8Array(randomBytes(n)));
      expect([...decodeEnvelope(text)!]).toEqual([...fromBase64Url(text)!]);
      for (const c of ['A', 'B', 'Q', 'g', '_', '-', '9']) {
        const changed = text.slice(0, -1) + c;
        expect(decodeEnvelope(changed) && [...decodeEnvelope(changed)!]).toEqual(fromBase64Url(changed) && [...fromBase64Url(changed)!]);
      }
    }
  });

  it('accepts the good frame and refuses each bad one', () => {
    expect(byHand(good)).not.toBeNull();
    expect(byHand({ ...good, extra: 1 })).toBeNull();
    expect(byHand({ ...good, envelope: 'AB' })).toBeNull();
  });
});
