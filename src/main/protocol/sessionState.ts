/**
 * One Double Ratchet session state (Signal's Double Ratchet §4, header
 * encryption variant), its skipped-key store and its versioned binary
 * serialization (docs/protocol.md §2.7).
 *
 * Skipped message keys are grouped by header key; each group is one
 * contiguous block of 40-byte entries `n (u32) ‖ storedAt seconds (u32) ‖
 * MK (32)`, sorted by n, so lookup is a binary search and persisting is a
 * single copy.
 */
import sodium from 'libsodium-wrappers-sumo';
import { MAX_SKIPPED_KEYS_TOTAL, SKIPPED_KEY_TTL_MS } from '../../shared/constants';
import { ByteReader, ByteWriter, wipe } from './codec';
import type { X25519KeyPair } from './dh';
import { ProtocolError } from './errors';
import { PREAMBLE_BYTES } from './message';

/** Format version of a serialized session state. */
export const STATE_VERSION = 1;
/** Length of one skipped-key entry: n (u32) ‖ storedAt seconds (u32) ‖ message key (32). */
export const SKIP_ENTRY_BYTES = 40;

/** The skipped message keys of one receiving chain, found by its header key. */
export interface SkippedChain {
  readonly hk: Uint8Array;
  /** Physical entries in the block, including a hole. */
  count: number;
  /** Capacity ≥ count × SKIP_ENTRY_BYTES; bytes past the count are zero. */
  entries: Uint8Array;
  /**
   * Index of an erased entry not yet compacted away (its key is already
   * zero), or -1. Lets a use-and-erase skip the block shift: serialization
   * writes around the hole.
   */
  hole: number;
}

const live = (c: SkippedChain): number => c.count - (c.hole >= 0 ? 1 : 0);

/** Closes the hole by shifting later entries down. */
function compact(c: SkippedChain): void {
  if (c.hole < 0) return;
  c.entries.copyWithin(c.hole * 40, (c.hole + 1) * 40, c.count * 40);
  c.count--;
  c.entries.fill(0, c.count * 40, (c.count + 1) * 40);
  c.hole = -1;
}

/** Counters a session keeps for the health view. */
export interface SessionMetrics {
  readonly createdAt: number;
  lastDhStepAt: number;
  sent: number;
  received: number;
}

/** One Double Ratchet session state with header encryption (root, chain and header keys, counters and skipped keys). */
export interface SessionState {
  /** AD = Encode(IK_A) ‖ Encode(IK_B), 66 bytes. */
  readonly ad: Uint8Array;
  /** EK_A, the initiator's base key: names this session so a repeated initial message finds it. */
  readonly baseKey: Uint8Array;
  rootKey: Uint8Array;
  /**
   * Our ratchet key pair; null while the sending half of a DH ratchet step is
   * pending (it runs at the next send: docs/protocol.md §2.4).
   */
  dhs: X25519KeyPair | null;
  dhr: Uint8Array | null;
  cks: Uint8Array | null;
  ckr: Uint8Array | null;
  hks: Uint8Array | null;
  hkr: Uint8Array | null;
  nhks: Uint8Array | null;
  nhkr: Uint8Array;
  ns: number;
  nr: number;
  pn: number;
  /** The initiator's PQXDH preamble, sent before every message until the first reply decrypts. */
  pendingPreamble: Uint8Array | null;
  skipped: SkippedChain[];
  metrics: SessionMetrics;
}

/** Skipped message keys the state holds, across chains. */
export function skippedCount(s: SessionState): number {
  let n = 0;
  for (const c of s.skipped) n += live(c);
  return n;
}

/** Message number of entry `i` of a skipped chain. */
export const entryN = (c: SkippedChain, i: number): number =>
  ((c.entries[i * 40]! << 24) | (c.entries[i * 40 + 1]! << 16) | (c.entries[i * 40 + 2]! << 8) | c.entries[i * 40 + 3]!) >>> 0;
const entryTime = (c: SkippedChain, i: number): number =>
  ((c.entries[i * 40 + 4]! << 24) | (c.entries[i * 40 + 5]! << 16) | (c.entries[i * 40 + 6]! << 8) | c.entries[i * 40 + 7]!) >>> 0;
/** Message key of entry `i` of a skipped chain (a view into the block). */
export const entryKey = (c: SkippedChain, i: number): Uint8Array => c.entries.subarray(i * 40 + 8, i * 40 + 40);

/** Index of the entry for message number n, or -1. */
export function findSkipped(c: SkippedChain, n: number): number {
  let lo = 0;
  let hi = c.count - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = entryN(c, mid);
    if (v === n) return mid === c.hole ? -1 : mid;
    if (v < n) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Erases entry i: its key is zeroed now, its slot becomes the chain's hole. */
export function removeSkipped(c: SkippedChain, i: number): void {
  if (c.hole >= 0) {
    const old = c.hole;
    compact(c);
    if (i > old) i--;
  }
  c.entries.fill(0, i * 40 + 8, i * 40 + 40);
  c.hole = i;
}

/** Builds a block of new entries; `keys` are message keys for n = first, first+1, … */
export function skippedBlock(first: number, keys: readonly Uint8Array[], now: number): Uint8Array {
  const block = new Uint8Array(keys.length * 40);
  const v = new DataView(block.buffer);
  const t = Math.floor(now / 1000);
  keys.forEach((k, i) => {
    v.setUint32(i * 40, first + i);
    v.setUint32(i * 40 + 4, t);
    block.set(k, i * 40 + 8);
  });
  return block;
}

/** Appends entries (already sorted, all greater than existing n) under `hk`. */
export function appendSkipped(s: SessionState, hk: Uint8Array, block: Uint8Array): void {
  if (block.length === 0) return;
  let c = s.skipped.find((x) => sodium.memcmp(x.hk, hk));
  if (!c) {
    c = { hk: hk.slice(), count: 0, entries: new Uint8Array(block.length), hole: -1 };
    s.skipped.push(c);
  }
  compact(c);
  const need = c.count * 40 + block.length;
  if (need > c.entries.length) {
    const grown = new Uint8Array(Math.max(need, c.entries.length * 2));
    grown.set(c.entries.subarray(0, c.count * 40));
    wipe(c.entries);
    c.entries = grown;
  }
  c.entries.set(block, c.count * 40);
  c.count += block.length / 40;
}

/** Drops expired keys, then the oldest ones beyond MAX_SKIPPED_KEYS_TOTAL, then empty groups. */
export function pruneSkipped(s: SessionState, now: number): void {
  const cutoff = Math.floor((now - SKIPPED_KEY_TTL_MS) / 1000);
  let total = 0;
  for (const c of s.skipped) {
    if (c.count > 0 && entryTime(c, 0) < cutoff) {
      compact(c);
      let drop = 0;
      while (drop < c.count && entryTime(c, drop) < cutoff) drop++;
      dropFront(c, drop);
    }
    total += live(c);
  }
  for (const c of s.skipped) {
    if (total <= MAX_SKIPPED_KEYS_TOTAL) break;
    compact(c);
    const drop = Math.min(c.count, total - MAX_SKIPPED_KEYS_TOTAL);
    dropFront(c, drop);
    total -= drop;
  }
  s.skipped = s.skipped.filter((c) => {
    if (live(c) > 0) return true;
    sodium.memzero(c.hk);
    return false;
  });
}

function dropFront(c: SkippedChain, k: number): void {
  c.entries.copyWithin(0, k * 40, c.count * 40);
  c.entries.fill(0, (c.count - k) * 40, c.count * 40);
  c.count -= k;
}

const F_DHR = 1, F_CKS = 2, F_CKR = 4, F_HKS = 8, F_HKR = 16, F_PENDING = 32, F_DHS = 64, F_NHKS = 128;

const OPTIONAL_KEYS = (s: SessionState): (Uint8Array | null)[] => [s.dhr, s.cks, s.ckr, s.hks, s.hkr, s.nhks];

/** Exact serialized size of a state. */
export function stateSize(s: SessionState): number {
  let n = 2 + 66 + 32 + 32 + (s.dhs ? 64 : 0) + 32 + 12 + 24 + (s.pendingPreamble ? PREAMBLE_BYTES : 0) + 2;
  for (const k of OPTIONAL_KEYS(s)) if (k) n += 32;
  for (const c of s.skipped) n += 36 + live(c) * 40;
  return n;
}

/** Writes a session state in its versioned binary form. */
export function writeState(w: ByteWriter, s: SessionState): void {
  const flags = (s.dhr ? F_DHR : 0) | (s.cks ? F_CKS : 0) | (s.ckr ? F_CKR : 0) | (s.hks ? F_HKS : 0) | (s.hkr ? F_HKR : 0)
    | (s.pendingPreamble ? F_PENDING : 0) | (s.dhs ? F_DHS : 0) | (s.nhks ? F_NHKS : 0);
  w.u8(STATE_VERSION).u8(flags).bytes(s.ad).bytes(s.baseKey).bytes(s.rootKey);
  if (s.dhs) w.bytes(s.dhs.privateKey).bytes(s.dhs.publicKey);
  for (const k of OPTIONAL_KEYS(s)) if (k) w.bytes(k);
  w.bytes(s.nhkr).u32(s.ns).u32(s.nr).u32(s.pn);
  w.time(s.metrics.createdAt).time(s.metrics.lastDhStepAt).u32(s.metrics.sent).u32(s.metrics.received);
  if (s.pendingPreamble) w.bytes(s.pendingPreamble);
  w.u16(s.skipped.length);
  for (const c of s.skipped) {
    w.bytes(c.hk).u32(live(c));
    if (c.hole < 0) w.bytes(c.entries.subarray(0, c.count * 40));
    else w.bytes(c.entries.subarray(0, c.hole * 40)).bytes(c.entries.subarray((c.hole + 1) * 40, c.count * 40));
  }
}

/** Reads a state; fields are views into the reader's buffer, which the caller must own (parseRecord copies once). */
export function readState(r: ByteReader): SessionState {
  const version = r.u8();
  if (version !== STATE_VERSION) throw new ProtocolError('PROTOCOL_VERSION', `Unknown session state version ${version}.`);
  const flags = r.u8();
  const opt = (f: number): Uint8Array | null => (flags & f ? r.view(32) : null);
  const ad = r.view(66);
  const baseKey = r.view(32);
  const rootKey = r.view(32);
  const dhs = flags & F_DHS ? { privateKey: r.view(32), publicKey: r.view(32) } : null;
  const dhr = opt(F_DHR), cks = opt(F_CKS), ckr = opt(F_CKR), hks = opt(F_HKS), hkr = opt(F_HKR), nhks = opt(F_NHKS);
  const nhkr = r.view(32);
  const ns = r.u32(), nr = r.u32(), pn = r.u32();
  const metrics = { createdAt: r.time(), lastDhStepAt: r.time(), sent: r.u32(), received: r.u32() };
  const pendingPreamble = flags & F_PENDING ? r.view(PREAMBLE_BYTES) : null;
  const chains = r.u16();
  const skipped: SkippedChain[] = [];
  for (let i = 0; i < chains; i++) {
    const hk = r.view(32);
    const count = r.u32();
    if (count > MAX_SKIPPED_KEYS_TOTAL) throw new ProtocolError('PROTOCOL_MALFORMED', 'Too many skipped keys in a record.');
    skipped.push({ hk, count, entries: r.view(count * 40), hole: -1 });
  }
  return { ad, baseKey, rootKey, dhs, dhr, cks, ckr, hks, hkr, nhks, nhkr, ns, nr, pn, pendingPreamble, skipped, metrics };
}

/** Zeroes every secret the state holds. */
export function disposeState(s: SessionState): void {
  for (const k of [s.rootKey, s.dhs?.privateKey, s.cks, s.ckr, s.hks, s.hkr, s.nhks, s.nhkr]) if (k) sodium.memzero(k);
  for (const c of s.skipped) {
    wipe(c.entries);
    sodium.memzero(c.hk);
  }
}
