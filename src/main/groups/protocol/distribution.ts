/**
 * The sender-key distribution (Signal's SenderKeyDistributionMessage): what
 * a member device sends each other member device over their pairwise
 * session so it can read its group messages from one iteration on.
 * Layout: version 0x01 ‖ chain id (u32 BE) ‖ iteration (u32 BE) ‖ chain key
 * (32) ‖ signing public key (32) — 73 bytes.
 */
import { MAX_SENDER_CHAINS } from '../../../shared/constants';
import { concatBytes, u32be } from '../../../shared/wire/encoding';
import { GroupProtocolError } from './errors';
import { advance } from './messageKeys';
import type { OwnChain, PeerChain, PeerRecord } from './senderKey';

const VERSION = 0x01;
const LENGTH = 73;

/** A decoded distribution. */
export interface Distribution {
  readonly chainId: number;
  readonly iteration: number;
  readonly chainKey: Uint8Array;
  readonly signingPublic: Uint8Array;
}

/** The distribution of `own` at its current iteration (what a member gets when first given this chain). */
export function distributionOf(own: OwnChain, at: number = own.iteration): Uint8Array {
  if (at < own.baseIteration || at > own.iteration) throw new GroupProtocolError('GROUP_BAD_VERSION', 'A distribution can only start between the chain’s first given iteration and now.');
  const key = at === own.iteration ? own.chainKey : advance(own.baseKey, at - own.baseIteration);
  return concatBytes(new Uint8Array([VERSION]), u32be(own.chainId), u32be(at), key, own.signingPublic);
}

/** Parses a distribution; GROUP_MALFORMED unless it is exactly one. */
export function parseDistribution(b: Uint8Array): Distribution {
  if (b.length !== LENGTH || b[0] !== VERSION) throw new GroupProtocolError('GROUP_MALFORMED', 'Not a sender-key distribution.');
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { chainId: v.getUint32(1), iteration: v.getUint32(5), chainKey: b.slice(9, 41), signingPublic: b.slice(41, 73) };
}

/**
 * The record after accepting `d`: a new chain goes first (the oldest beyond
 * MAX_SENDER_CHAINS is dropped); a known chain given again from an earlier
 * iteration (a repair after a withheld distribution) moves back to it,
 * keeping its skipped keys; from a later one, or with another signing key,
 * the record is unchanged.
 */
export function acceptDistribution(record: PeerRecord | null, d: Distribution): PeerRecord {
  const chains = record?.chains ?? [];
  const known = chains.find((c) => c.chainId === d.chainId);
  const fresh: PeerChain = { chainId: d.chainId, iteration: d.iteration, chainKey: d.chainKey, signingPublic: d.signingPublic, skipped: known?.skipped ?? new Map() };
  if (known) {
    if (d.iteration >= known.iteration || !sameKey(known.signingPublic, d.signingPublic)) return { chains };
    return { chains: chains.map((c) => (c === known ? fresh : c)) };
  }
  return { chains: [fresh, ...chains].slice(0, MAX_SENDER_CHAINS) };
}

function sameKey(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
