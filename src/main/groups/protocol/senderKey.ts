/**
 * Sender-key state. A device's own chain per group: a random chain id, the
 * next iteration, the current chain key, the chain key at the first
 * iteration any member was given (so a withheld distribution can be given
 * again from there, never earlier) and an Ed25519 signing key pair. A
 * peer's record per group and sender device: up to MAX_SENDER_CHAINS
 * chains, newest first, each with its next iteration, chain key, signing
 * public key and skipped message keys. Records are JSON with base64url
 * fields; the store seals them.
 */
import sodium from 'libsodium-wrappers-sumo';
import { z } from 'zod';
import { MAX_GROUP_SKIPPED_KEYS, MAX_SENDER_CHAINS } from '../../../shared/constants';
import { fromBase64Url, toBase64Url } from '../../../shared/wire/encoding';
import { randomBytes } from '../../protocol/random';
import { GroupProtocolError } from './errors';

/** This device's sending chain in one group. */
export interface OwnChain {
  readonly chainId: number;
  readonly iteration: number;
  readonly chainKey: Uint8Array;
  /** Chain key at `baseIteration`: the earliest point this chain was given to anyone. */
  readonly baseKey: Uint8Array;
  readonly baseIteration: number;
  readonly signingSecret: Uint8Array;
  readonly signingPublic: Uint8Array;
}

/** One chain of a peer device as this device holds it. */
export interface PeerChain {
  readonly chainId: number;
  readonly iteration: number;
  readonly chainKey: Uint8Array;
  readonly signingPublic: Uint8Array;
  /** Message keys of iterations skipped over, by iteration. */
  readonly skipped: ReadonlyMap<number, Uint8Array>;
}

/** Everything known about one peer device's sending chains in one group, newest first. */
export interface PeerRecord {
  readonly chains: readonly PeerChain[];
}

/** A fresh chain: random id and chain key, new signing key pair, iteration 0. */
export function newOwnChain(): OwnChain {
  const kp = sodium.crypto_sign_keypair();
  const chainKey = randomBytes(32);
  const id = randomBytes(4);
  return {
    chainId: ((id[0]! << 24) | (id[1]! << 16) | (id[2]! << 8) | id[3]!) >>> 0,
    iteration: 0, chainKey, baseKey: chainKey.slice(), baseIteration: 0, signingSecret: kp.privateKey, signingPublic: kp.publicKey,
  };
}

const B = z.string().regex(/^[A-Za-z0-9_-]*$/u);
const OwnJson = z.strictObject({ chainId: z.number().int().nonnegative(), iteration: z.number().int().nonnegative(), chainKey: B, baseKey: B, baseIteration: z.number().int().nonnegative(), signingSecret: B, signingPublic: B });
const PeerJson = z.strictObject({
  chains: z.array(z.strictObject({ chainId: z.number().int().nonnegative(), iteration: z.number().int().nonnegative(), chainKey: B, signingPublic: B, skipped: z.array(z.tuple([z.number().int().nonnegative(), B])) })).max(MAX_SENDER_CHAINS),
});

const bytes = (s: string, n: number): Uint8Array => {
  const b = fromBase64Url(s);
  if (!b || b.length !== n) throw new GroupProtocolError('GROUP_MALFORMED', 'A sender-key record field has the wrong length.');
  return b;
};

function parseJson<T>(schema: z.ZodType<T>, raw: Uint8Array): T {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(raw));
  } catch {
    throw new GroupProtocolError('GROUP_MALFORMED', 'A sender-key record is not JSON.');
  }
  const r = schema.safeParse(value);
  if (!r.success) throw new GroupProtocolError('GROUP_MALFORMED', 'A sender-key record has an unknown shape.');
  return r.data;
}

const enc = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v));

/** Serializes an own chain (for the sealed store column). */
export function encodeOwnChain(c: OwnChain): Uint8Array {
  return enc({ chainId: c.chainId, iteration: c.iteration, chainKey: toBase64Url(c.chainKey), baseKey: toBase64Url(c.baseKey), baseIteration: c.baseIteration, signingSecret: toBase64Url(c.signingSecret), signingPublic: toBase64Url(c.signingPublic) });
}

/** Parses an own chain; GROUP_MALFORMED when it is not one. */
export function decodeOwnChain(raw: Uint8Array): OwnChain {
  const j = parseJson(OwnJson, raw);
  return { chainId: j.chainId, iteration: j.iteration, chainKey: bytes(j.chainKey, 32), baseKey: bytes(j.baseKey, 32), baseIteration: j.baseIteration, signingSecret: bytes(j.signingSecret, 64), signingPublic: bytes(j.signingPublic, 32) };
}

/** Serializes a peer record. */
export function encodePeerRecord(r: PeerRecord): Uint8Array {
  return enc({ chains: r.chains.map((c) => ({ chainId: c.chainId, iteration: c.iteration, chainKey: toBase64Url(c.chainKey), signingPublic: toBase64Url(c.signingPublic), skipped: [...c.skipped].map(([i, k]) => [i, toBase64Url(k)]) })) });
}

/** Parses a peer record; GROUP_MALFORMED when it is not one. */
export function decodePeerRecord(raw: Uint8Array): PeerRecord {
  const j = parseJson(PeerJson, raw);
  return {
    chains: j.chains.map((c) => {
      if (c.skipped.length > MAX_GROUP_SKIPPED_KEYS) throw new GroupProtocolError('GROUP_MALFORMED', 'A sender-key record holds too many skipped keys.');
      return { chainId: c.chainId, iteration: c.iteration, chainKey: bytes(c.chainKey, 32), signingPublic: bytes(c.signingPublic, 32), skipped: new Map(c.skipped.map(([i, k]) => [i, bytes(k, 32)])) };
    }),
  };
}
