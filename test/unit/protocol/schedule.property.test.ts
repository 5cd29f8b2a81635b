/**
 * Property: over random schedules of sends, deliveries, drops, duplicates,
 * reorders and tampering between two devices, every message that arrives
 * (within the limits) decrypts exactly once to what was sent, and nothing
 * else decrypts — duplicates and tampered copies fail and change nothing.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import sodium from 'libsodium-wrappers-sumo';
import { ProtocolError } from '../../../src/main/protocol/errors';
import { decryptMessage, encryptMessage } from '../../../src/main/protocol/session';
import { bytes, establishedPair, recordOf, text, type TestDevice } from '../../support/protocolDevice';

beforeAll(async () => {
  await sodium.ready;
});

type Side = 0 | 1;
type Cmd =
  | { readonly op: 'send'; readonly from: Side }
  | { readonly op: 'deliver' | 'drop' | 'duplicate'; readonly to: Side; readonly pick: number }
  | { readonly op: 'tamper'; readonly to: Side; readonly pick: number; readonly bit: number };

const side = fc.constantFrom<Side>(0, 1);
const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('send' as const), from: side }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('deliver' as const), to: side, pick: fc.integer({ min: -1000, max: 1000 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('drop' as const), to: side, pick: fc.integer({ min: -1000, max: 1000 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('duplicate' as const), to: side, pick: fc.integer({ min: -1000, max: 1000 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('tamper' as const), to: side, pick: fc.integer({ min: -1000, max: 1000 }), bit: fc.nat() }) },
);

interface Wire {
  readonly id: number;
  readonly bytes: Uint8Array;
}

describe('random delivery schedules', () => {
  it('decrypt every arriving message exactly once, and nothing else', async () => {
    const T = Date.UTC(2026, 10, 23);
    await fc.assert(
      fc.asyncProperty(fc.array(cmd, { maxLength: 60 }), async (cmds) => {
        const { alice, bob } = await establishedPair(() => T);
        const dev: [TestDevice, TestDevice] = [alice, bob];
        const rec: [Uint8Array, Uint8Array] = [recordOf(alice, bob), recordOf(bob, alice)];
        const inFlight: [Wire[], Wire[]] = [[], []]; // messages travelling to side i
        const delivered: [Wire[], Wire[]] = [[], []];
        const decrypted = new Map<number, number>();
        let nextId = 0;
        const receive = (to: Side, msg: Uint8Array): string => {
          const out = decryptMessage({ record: rec[to], identity: dev[to].identity, remoteIdentity: null, message: msg, now: T });
          rec[to] = out.record;
          return text(out.plaintext);
        };
        const rejectsUnchanged = (to: Side, msg: Uint8Array): void => {
          const before = rec[to].slice();
          expect(() => receive(to, msg)).toThrow(ProtocolError);
          expect(rec[to]).toEqual(before);
        };
        for (const c of cmds) {
          if (c.op === 'send') {
            const id = nextId++;
            const out = encryptMessage(rec[c.from], bytes(`message ${id}`), T);
            rec[c.from] = out.record;
            inFlight[(1 - c.from) as Side].push({ id, bytes: out.ciphertext });
            continue;
          }
          const q = c.op === 'duplicate' ? delivered[c.to] : inFlight[c.to];
          if (q.length === 0) continue;
          // Negative picks count from the newest message, so reordering is as likely as order.
          const i = c.pick < 0 ? q.length - 1 - ((-c.pick - 1) % q.length) : c.pick % q.length;
          const w = q[i]!;
          if (c.op === 'drop') {
            q.splice(i, 1);
          } else if (c.op === 'deliver') {
            q.splice(i, 1);
            expect(receive(c.to, w.bytes)).toBe(`message ${w.id}`);
            decrypted.set(w.id, (decrypted.get(w.id) ?? 0) + 1);
            delivered[c.to].push(w);
          } else if (c.op === 'duplicate') {
            rejectsUnchanged(c.to, w.bytes);
          } else if (c.op === 'tamper') {
            const bad = w.bytes.slice();
            const bit = c.bit % (bad.length * 8);
            bad[bit >> 3]! ^= 1 << (bit & 7);
            rejectsUnchanged(c.to, bad);
          }
        }
        // Everything still in flight arrives late, newest first: each decrypts once.
        for (const to of [0, 1] as const) {
          for (const w of inFlight[to].reverse()) {
            expect(receive(to, w.bytes)).toBe(`message ${w.id}`);
            decrypted.set(w.id, (decrypted.get(w.id) ?? 0) + 1);
            delivered[to].push(w);
          }
        }
        for (const n of decrypted.values()) expect(n).toBe(1);
        // And every message that arrived is refused a second time, whichever key it used.
        for (const to of [0, 1] as const) for (const w of delivered[to]) rejectsUnchanged(to, w.bytes);
      }),
      { numRuns: 100 },
    );
  });
});
