import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RELAY_MAX_ENVELOPE_BYTES, RELAY_MAX_SEND_RECIPIENTS, RELAY_PROTOCOL_VERSION } from '../../../src/shared/constants';
import { BINARY_SEND_TAG, decodeBinarySend, encodeBinarySend, type BinarySendEntry } from '../../../src/shared/wire/binarySend';
import { binarySendEntries } from '../../../src/main/relayClient/sendFrame';

const key = (b: number): Uint8Array => new Uint8Array(32).fill(b);
const entry = (a: number, d: number, envelope: number[]): BinarySendEntry => ({ accountKey: key(a), deviceKey: key(d), envelope: new Uint8Array(envelope) });
const plain = (es: readonly BinarySendEntry[]) => es.map((e) => [[...e.accountKey], [...e.deviceKey], [...e.envelope]]);
const arbEntry = fc.record({ accountKey: fc.uint8Array({ minLength: 32, maxLength: 32 }), deviceKey: fc.uint8Array({ minLength: 32, maxLength: 32 }), envelope: fc.uint8Array({ maxLength: 300 }) });

describe('the binary send frame (docs/protocol.md §3.5)', () => {
  it('gives back the request id and every entry, in order', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.array(arbEntry, { minLength: 1, maxLength: 10 }), (id, es) => {
      const got = decodeBinarySend(encodeBinarySend(id, es));
      expect('code' in got).toBe(false);
      if ('code' in got) return;
      expect(got.id).toBe(id);
      expect(plain(got.entries)).toEqual(plain(es));
    }));
  });

  it('lays a frame out as tag, version, request id, count, then both keys, the length and the envelope', () => {
    const f = encodeBinarySend(7, [entry(1, 2, [9])]);
    expect([...f.subarray(0, 8)]).toEqual([BINARY_SEND_TAG, RELAY_PROTOCOL_VERSION, 0, 0, 0, 7, 0, 1]);
    expect([...f.subarray(72, 77)]).toEqual([0, 0, 0, 1, 9]);
    expect(f.length).toBe(8 + 32 + 32 + 4 + 1);
  });

  it('refuses every cut-short frame and any byte past the last entry, naming the request when it could read it', () => {
    const f = encodeBinarySend(5, [entry(1, 2, [1, 2, 3]), entry(3, 4, [])]);
    for (let n = 0; n < f.length; n++) {
      const got = decodeBinarySend(f.subarray(0, n));
      expect(got, `cut at ${n}`).toMatchObject({ code: 'BAD_FRAME', id: n >= 8 ? 5 : null });
    }
    const longer = new Uint8Array(f.length + 1);
    longer.set(f);
    expect(decodeBinarySend(longer)).toMatchObject({ code: 'BAD_FRAME', id: 5 });
  });

  it('refuses another tag, another version, an id past 2³¹, no entries, too many, and an oversized envelope, each with its code', () => {
    const f = encodeBinarySend(3, [entry(1, 2, [1])]);
    const edit = (at: number, value: number): Uint8Array => {
      const c = f.slice();
      c[at] = value;
      return c;
    };
    expect(decodeBinarySend(edit(0, 0x01))).toMatchObject({ code: 'BAD_FRAME' });
    expect(decodeBinarySend(edit(1, RELAY_PROTOCOL_VERSION + 1))).toMatchObject({ code: 'UNSUPPORTED_VERSION', id: 3 });
    expect(decodeBinarySend(edit(2, 0x80))).toMatchObject({ code: 'BAD_FRAME', id: null }); // 2^31 + 3
    expect(decodeBinarySend(edit(7, 0))).toMatchObject({ code: 'BAD_FRAME', id: 3 });
    const many = f.slice();
    new DataView(many.buffer).setUint16(6, RELAY_MAX_SEND_RECIPIENTS + 1);
    expect(decodeBinarySend(many)).toMatchObject({ code: 'TOO_LARGE', id: 3 });
    const huge = f.slice();
    new DataView(huge.buffer).setUint32(72, RELAY_MAX_ENVELOPE_BYTES + 1);
    expect(decodeBinarySend(huge)).toMatchObject({ code: 'TOO_LARGE', id: 3 });
  });

  it('answers any bytes at all with a frame or a typed refusal, never a throw', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      const frame = bytes.length >= 2 ? Uint8Array.of(BINARY_SEND_TAG, RELAY_PROTOCOL_VERSION, ...bytes.subarray(2)) : bytes;
      const got = decodeBinarySend(frame);
      expect('code' in got ? ['BAD_FRAME', 'UNSUPPORTED_VERSION', 'TOO_LARGE'] : ['frame']).toContain('code' in got ? got.code : 'frame');
    }));
  });

  it('sends binary only when every entry has bytes and canonical ids, and keeps each id’s raw key', () => {
    const account = Buffer.from(key(7)).toString('base64url');
    const device = Buffer.from(key(8)).toString('base64url');
    const cache = new Map<string, Uint8Array>();
    const got = binarySendEntries([{ accountId: account, deviceId: device, envelope: new Uint8Array([1]) }], cache)!;
    expect([...got[0]!.accountKey]).toEqual([...key(7)]);
    expect(cache.size).toBe(2);
    expect(binarySendEntries([{ accountId: account, deviceId: device, envelope: 'AQ' }], cache)).toBeNull();
    expect(binarySendEntries([{ accountId: 'acct-alice', deviceId: device, envelope: new Uint8Array([1]) }], cache)).toBeNull();
    // 43 characters of the alphabet whose last one carries bits past the 32 bytes: not canonical, so JSON.
    expect(binarySendEntries([{ accountId: `${account.slice(0, 42)}B`, deviceId: device, envelope: new Uint8Array([1]) }], new Map())).toBeNull();
  });
});
