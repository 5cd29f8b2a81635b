import { describe, expect, it } from 'vitest';
import { ByteReader, ByteWriter } from '../../../src/main/protocol/codec';
import {
  appendSkipped, entryKey, entryN, findSkipped, pruneSkipped, readState, removeSkipped, skippedBlock, skippedCount, stateSize, writeState,
  type SessionState,
} from '../../../src/main/protocol/sessionState';
import { SKIPPED_KEY_TTL_MS } from '../../../src/shared/constants';

const T = Date.UTC(2026, 10, 23);
const key = (n: number): Uint8Array => new Uint8Array(32).fill(n + 1);
const state = (): SessionState => ({
  ad: new Uint8Array(66), baseKey: new Uint8Array(32), rootKey: new Uint8Array(32), dhs: null, dhr: null, cks: null, ckr: null,
  hks: null, hkr: null, nhks: null, nhkr: new Uint8Array(32), ns: 0, nr: 0, pn: 0, pendingPreamble: null, skipped: [],
  metrics: { createdAt: T, lastDhStepAt: T, sent: 0, received: 0 },
});
const hk = new Uint8Array(32).fill(0xaa);

function roundTrip(s: SessionState): SessionState {
  const w = new ByteWriter(stateSize(s));
  writeState(w, s);
  const bytes = w.finish();
  expect(bytes.length).toBe(stateSize(s));
  const r = new ByteReader(bytes);
  const back = readState(r);
  r.end();
  return back;
}

describe('skipped message keys', () => {
  it('erases used keys in any order, and serializes exactly the live ones', () => {
    const s = state();
    appendSkipped(s, hk, skippedBlock(0, [0, 1, 2, 3, 4].map(key), T));
    const c = s.skipped[0]!;
    removeSkipped(c, findSkipped(c, 1));
    expect(findSkipped(c, 1)).toBe(-1);
    removeSkipped(c, findSkipped(c, 3)); // a second erase before serializing compacts the first
    removeSkipped(c, findSkipped(c, 0));
    expect(skippedCount(s)).toBe(2);
    for (const n of [0, 1, 3]) expect(findSkipped(c, n)).toBe(-1);
    for (const n of [2, 4]) expect(entryKey(c, findSkipped(c, n))).toEqual(key(n));
    const back = roundTrip(s).skipped[0]!;
    expect([back.count, entryN(back, 0), entryN(back, 1)]).toEqual([2, 2, 4]);
    expect([entryKey(back, 0), entryKey(back, 1)]).toEqual([key(2), key(4)]);
  });

  it('appends after an erase, and drops expired keys from the front', () => {
    const s = state();
    appendSkipped(s, hk, skippedBlock(0, [0, 1].map(key), T));
    removeSkipped(s.skipped[0]!, 0);
    appendSkipped(s, hk, skippedBlock(5, [5, 6].map(key), T + SKIPPED_KEY_TTL_MS));
    expect(skippedCount(s)).toBe(3);
    pruneSkipped(s, T + SKIPPED_KEY_TTL_MS + 1000);
    const c = s.skipped[0]!;
    expect(skippedCount(s)).toBe(2);
    expect([findSkipped(c, 1), entryKey(c, findSkipped(c, 6))]).toEqual([-1, key(6)]);
    removeSkipped(c, findSkipped(c, 5));
    removeSkipped(s.skipped[0]!, findSkipped(s.skipped[0]!, 6));
    pruneSkipped(s, T + SKIPPED_KEY_TTL_MS + 1000);
    expect(s.skipped).toEqual([]);
  });
});
