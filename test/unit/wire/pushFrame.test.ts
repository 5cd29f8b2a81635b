import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RELAY_MAX_ENVELOPE_BYTES, RELAY_PROTOCOL_VERSION } from '../../../src/shared/constants';
import { decodePushes, encodePushes, fitsPush, PUSH_FRAME_TAG, type PushedMessage } from '../../../src/shared/wire/pushFrame';

const message = (id: string, ts: number, envelope: number[]): PushedMessage => ({ id, ts, envelope: new Uint8Array(envelope) });
const plain = (ms: readonly PushedMessage[] | null) => ms?.map((m) => ({ id: m.id, ts: m.ts, envelope: [...m.envelope] }));

const arbMessage = fc.record({
  id: fc.stringMatching(/^[0-9]{1,18}$/),
  ts: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  envelope: fc.uint8Array({ maxLength: 300 }),
});

describe('binary message pushes (docs/protocol.md §3.1.1)', () => {
  it('gives back every message of a frame: its id, time and envelope, in order', () => {
    fc.assert(fc.property(fc.array(arbMessage, { minLength: 1, maxLength: 20 }), (ms) => {
      expect(plain(decodePushes(encodePushes(ms)))).toEqual(plain(ms));
    }));
  });

  it('lays a frame out as tag, version, count, then id length, id, time in two halves, envelope length and envelope', () => {
    const frame = encodePushes([message('12', 2 ** 32 + 5, [9, 8])]);
    expect([...frame]).toEqual([PUSH_FRAME_TAG, RELAY_PROTOCOL_VERSION, 0, 1, 2, 0x31, 0x32, 0, 0, 0, 1, 0, 0, 0, 5, 0, 0, 0, 2, 9, 8]);
  });

  it('hands out envelopes that are copies, so the frame can be reused', () => {
    const frame = encodePushes([message('1', 1, [1, 2, 3])]);
    const [m] = decodePushes(frame)!;
    frame.fill(0);
    expect([...m!.envelope]).toEqual([1, 2, 3]);
  });

  it('refuses every cut-short frame and any byte past the last message', () => {
    const frame = encodePushes([message('7', 1, [1, 2, 3]), message('8', 2, [4, 5])]);
    for (let n = 0; n < frame.length; n++) expect(decodePushes(frame.subarray(0, n)), `cut at ${n}`).toBeNull();
    const longer = new Uint8Array(frame.length + 1);
    longer.set(frame);
    expect(decodePushes(longer)).toBeNull();
  });

  it('refuses another tag, another version, no messages, an empty, long or non-digit id, an unsafe time and an oversized envelope', () => {
    const good = encodePushes([message('42', 1, [1])]);
    const edit = (at: number, value: number): Uint8Array => {
      const f = good.slice();
      f[at] = value;
      return f;
    };
    expect(decodePushes(good)).not.toBeNull();
    expect(decodePushes(edit(0, 0x01))).toBeNull(); // a sendMulti tag
    expect(decodePushes(edit(1, RELAY_PROTOCOL_VERSION + 1))).toBeNull();
    expect(decodePushes(edit(3, 0))).toBeNull(); // zero messages (and bytes left over)
    expect(decodePushes(edit(4, 0))).toBeNull(); // an id of no characters
    expect(decodePushes(edit(5, 0x41))).toBeNull(); // 'A4'
    const unsafe = new Uint8Array([PUSH_FRAME_TAG, RELAY_PROTOCOL_VERSION, 0, 1, 1, 0x31, 0x00, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(decodePushes(unsafe)).toBeNull(); // 2^53
    const long = new Uint8Array([PUSH_FRAME_TAG, RELAY_PROTOCOL_VERSION, 0, 1, 19, ...new Array<number>(19).fill(0x31), 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]);
    expect(decodePushes(long)).toBeNull();
    const huge = new Uint8Array(4 + 1 + 1 + 12 + RELAY_MAX_ENVELOPE_BYTES + 1);
    huge.set([PUSH_FRAME_TAG, RELAY_PROTOCOL_VERSION, 0, 1, 1, 0x31, 0, 0, 0, 0, 0, 0, 0, 1]);
    new DataView(huge.buffer).setUint32(14, RELAY_MAX_ENVELOPE_BYTES + 1);
    expect(decodePushes(huge)).toBeNull();
  });

  it('answers any bytes at all with messages or a refusal, never a throw', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (bytes, tagged) => {
      const frame = tagged && bytes.length >= 2 ? Uint8Array.of(PUSH_FRAME_TAG, RELAY_PROTOCOL_VERSION, ...bytes.subarray(2)) : bytes;
      const got = decodePushes(frame);
      expect(got === null || got.length > 0).toBe(true);
    }));
  });

  it('says which messages a binary push can carry, and will not encode one that does not fit', () => {
    expect(fitsPush(message('123456789012345678', 0, []))).toBe(true);
    expect(fitsPush(message('1234567890123456789', 0, []))).toBe(false);
    expect(fitsPush(message('12a', 0, []))).toBe(false);
    expect(fitsPush(message('1', -1, []))).toBe(false);
    expect(fitsPush(message('1', 0.5, []))).toBe(false);
    expect(fitsPush({ id: '1', ts: 0, envelope: new Uint8Array(RELAY_MAX_ENVELOPE_BYTES + 1) })).toBe(false);
    expect(() => encodePushes([message('x', 0, [])])).toThrow(RangeError);
    expect(() => encodePushes([])).toThrow(RangeError);
  });
});
