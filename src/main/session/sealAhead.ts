/**
 * Sealed sender's ephemeral X25519, done ahead on the worker thread
 * (crypto/x25519Worker.ts) so the main thread's batch transaction finds it
 * ready:
 * - opening: when a relay push arrives, the ephemeral DHs of its version 2
 *   envelopes start on the worker at once, last envelope first, into
 *   shared memory; the receive batch opens envelopes from the first and
 *   takes each DH the worker has done by then, computing the others itself
 *   (each slot is claimed once, so the two threads meet in the middle and
 *   neither repeats the other's work; it waits at most one DH). The result
 *   is only X25519(own, E): the envelope is opened and checked exactly as
 *   before.
 * - sealing: before a turn's sends are encrypted, fresh ephemeral pairs for
 *   each recipient device (with their DH) are made on the worker, not
 *   awaited; `seal` takes one per envelope where some are ready, each used
 *   once, and makes its own otherwise. The pool is zeroed when the profile
 *   closes.
 * Either way, a worker that is slow or gone changes speed, not results.
 */
import sodium from 'libsodium-wrappers-sumo';
import { SEAL_AHEAD_MAX_PER_DEVICE } from '../../shared/constants';
import { fromBase64Url, toBase64Url } from '../../shared/wire/encoding';
import { ephemeralX25519, privateKeyObject } from '../crypto/nativeX25519';
import { dhShared, freshPairs, type FreshPair, type SharedDh } from '../crypto/x25519Worker';
import { ephemeralDh, staticPair, V2_MIN_BYTES, type SealOwnKeys, type SealSender, type StaticPair } from './sealedCore';

/** An envelope body handed in from a relay push (an IncomingMessage's envelope, as an object key). */
interface Carrier {
  readonly envelope: Uint8Array;
}

/** Where an envelope's DH lies: its push's shared job and its slot there. */
const opening = new WeakMap<Carrier, { readonly job: SharedDh; readonly slot: number }>();

/**
 * Starts the ephemeral DH of every version 2 envelope of `ms` on the worker,
 * shared slot by slot with the batch that opens them (x25519Worker.ts
 * SharedDh); resolves when the worker went through them all (callers need
 * not wait).
 */
export function openAhead(ms: readonly Carrier[], own: SealOwnKeys): Promise<void> {
  const v2 = ms.filter((m) => m.envelope.length >= V2_MIN_BYTES && m.envelope[0] === 0x02 && !opening.has(m));
  if (v2.length === 0) return Promise.resolve();
  const job = dhShared(privateKeyObject(own.privateKey), v2.map((m) => m.envelope.subarray(1, 33)));
  v2.forEach((m, slot) => opening.set(m, { job, slot }));
  return job.done; // a worker failure rejects (the caller audits it); what it did not open is opened on the main thread
}

/**
 * The worker's X25519(own, E) for this envelope if it has it now (null: it
 * refused E), else undefined: the caller computes it (the slot is claimed,
 * so the worker skips it). Call when the envelope is opened, not before:
 * the worker keeps going meanwhile. Never waits longer than one DH.
 */
export function takeOpenedAhead(m: Carrier): Uint8Array | null | undefined {
  const at = opening.get(m);
  opening.delete(m);
  return at?.job.take(at.slot);
}

/** takeOpenedAhead for each of `ms` now. */
export function openedAhead<T extends Carrier>(ms: readonly T[]): Map<T, Uint8Array | null | undefined> {
  return new Map(ms.map((m) => [m, takeOpenedAhead(m)]));
}

/** Envelopes of a batch that were not opened (duplicates): their slots are claimed and zeroed. */
export function releaseOpenedAhead(ms: readonly Carrier[]): void {
  for (const m of ms) takeOpenedAhead(m)?.fill(0);
}

/** Fresh pairs ready per recipient device key (base64url of the Ed25519 key). */
const pool = new Map<string, FreshPair[]>();
/** Pairs asked of the worker and not back yet, per recipient device key: they count towards what is ready. */
const inFlight = new Map<string, number>();

/**
 * Makes `count` fresh ephemeral pairs (bounded per device) ready or on
 * their way for each recipient device key: only what the pool and the
 * requests in flight do not cover yet is asked for, so a caller may ask for
 * several chunks ahead every chunk.
 */
export async function sealAhead(sender: SealSender, counts: ReadonlyMap<string, number>): Promise<void> {
  const jobs: Promise<void>[] = [];
  for (const [device, count] of counts) {
    const want = Math.min(count, SEAL_AHEAD_MAX_PER_DEVICE) - (pool.get(device)?.length ?? 0) - (inFlight.get(device) ?? 0);
    const key = fromBase64Url(device);
    if (want <= 0 || key?.length !== 32) continue;
    let peer: Uint8Array;
    try {
      peer = staticPair(sender.deviceKey, sender.x25519PrivateKey, key).peer;
    } catch {
      continue; // a malformed device key: seal refuses it itself
    }
    inFlight.set(device, (inFlight.get(device) ?? 0) + want);
    const back = (): void => {
      const left = (inFlight.get(device) ?? 0) - want;
      if (left > 0) inFlight.set(device, left);
      else inFlight.delete(device);
    };
    jobs.push(freshPairs(peer, want).then((pairs) => {
      back();
      const ready = pool.get(device) ?? [];
      for (const p of pairs) {
        if (ready.length < SEAL_AHEAD_MAX_PER_DEVICE) ready.push(p);
        else sodium.memzero(p.shared); // another request filled it meanwhile
      }
      pool.set(device, ready);
    }, (e: unknown) => {
      back();
      throw e;
    }));
  }
  // A worker failure rejects (the caller audits it); seal makes its own pairs for what is not ready.
  await Promise.all(jobs);
}

/** One ready pair for this recipient device key (`id`: its base64url), removed from the pool (undefined: none ready). */
export function takeSealAhead(recipientDeviceKey: Uint8Array, id = toBase64Url(recipientDeviceKey)): FreshPair | undefined {
  const ready = pool.get(id);
  return ready?.shift();
}

/**
 * A fresh ephemeral key E for one seal to this device and its DH with the
 * device (`pair`: the static pair with it): a pair the worker made ahead
 * when one is ready, else one made here. The caller zeroes `shared`.
 */
export function freshSealKey(pair: StaticPair, recipientDeviceKey: Uint8Array, id: string): { readonly E: Uint8Array; readonly shared: Uint8Array } {
  const ready = takeSealAhead(recipientDeviceKey, id);
  if (ready) return { E: ready.publicKey, shared: ready.shared };
  const eph = ephemeralX25519();
  return { E: eph.publicKey, shared: ephemeralDh(eph.privateKey, pair.peerKey ?? pair.peer) };
}

/** Zeroes and forgets every ready pair (the profile closes). */
export function forgetSealAhead(): void {
  for (const ready of pool.values()) for (const p of ready) sodium.memzero(p.shared);
  pool.clear();
  inFlight.clear(); // what comes back later joins an empty pool, which the next close clears again
}
