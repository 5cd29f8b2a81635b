/**
 * Sealed sender's ephemeral X25519, done ahead on the worker thread
 * (crypto/x25519Worker.ts) so the main thread's batch transaction finds it
 * ready:
 * - opening: when a relay push arrives, the ephemeral DH of each version 2
 *   envelope starts on the worker at once; the receive batch that takes the
 *   envelope uses what is back by then in `unseal` (and computes the rest
 *   itself: it never waits on a worker that lags on a busy machine). The result is only X25519(own, E): the
 *   envelope is opened and checked exactly as before.
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
import { privateKeyObject } from '../crypto/nativeX25519';
import { dhMany, freshPairs, type FreshPair } from '../crypto/x25519Worker';
import { staticPair, V2_MIN_BYTES, type SealOwnKeys, type SealSender } from './sealedCore';

/** An envelope body handed in from a relay push (an IncomingMessage's envelope, as an object key). */
interface Carrier {
  readonly envelope: Uint8Array;
}

/** The worker's DH per version 2 envelope of a push, once it came back (undefined: the worker failed). */
interface Ahead {
  done: boolean;
  value: Uint8Array | null | undefined;
}
const opening = new WeakMap<Carrier, Ahead>();

/** Starts the ephemeral DH of every version 2 envelope of `ms` on the worker; resolves when it is back (callers need not wait). */
export function openAhead(ms: readonly Carrier[], own: SealOwnKeys): Promise<void> {
  const v2 = ms.filter((m) => m.envelope.length >= V2_MIN_BYTES && m.envelope[0] === 0x02 && !opening.has(m));
  if (v2.length === 0) return Promise.resolve();
  const slots = v2.map((m) => {
    const slot: Ahead = { done: false, value: undefined };
    opening.set(m, slot);
    return slot;
  });
  return dhMany(privateKeyObject(own.privateKey), v2.map((m) => m.envelope.subarray(1, 33))).then(
    (r) => slots.forEach((slot, i) => Object.assign(slot, { done: true, value: r[i]! })),
    () => slots.forEach((slot) => (slot.done = true)), // the worker failed: opened on the main thread
  );
}

/**
 * The worker's X25519(own, E) for these envelopes where it is back already
 * (undefined: compute it here). Never waits: on a busy machine the worker
 * may lag, and the main thread computing one itself beats idling.
 */
export function openedAhead<T extends Carrier>(ms: readonly T[]): Map<T, Uint8Array | null | undefined> {
  const out = new Map<T, Uint8Array | null | undefined>();
  for (const m of ms) {
    const slot = opening.get(m);
    opening.delete(m);
    out.set(m, slot?.done ? slot.value : undefined);
  }
  return out;
}

/** Fresh pairs ready per recipient device key (base64url of the Ed25519 key). */
const pool = new Map<string, FreshPair[]>();

/** Makes ready up to `count` fresh ephemeral pairs (bounded per device) for each recipient device key. */
export async function sealAhead(sender: SealSender, counts: ReadonlyMap<string, number>): Promise<void> {
  const jobs: Promise<void>[] = [];
  for (const [device, count] of counts) {
    const want = Math.min(count, SEAL_AHEAD_MAX_PER_DEVICE) - (pool.get(device)?.length ?? 0);
    const key = fromBase64Url(device);
    if (want <= 0 || key?.length !== 32) continue;
    let peer: Uint8Array;
    try {
      peer = staticPair(sender.deviceKey, sender.x25519PrivateKey, key).peer;
    } catch {
      continue; // a malformed device key: seal refuses it itself
    }
    jobs.push(freshPairs(peer, want).then((pairs) => {
      const ready = pool.get(device) ?? [];
      for (const p of pairs) {
        if (ready.length < SEAL_AHEAD_MAX_PER_DEVICE) ready.push(p);
        else sodium.memzero(p.shared); // another request filled it meanwhile
      }
      pool.set(device, ready);
    }, () => undefined /* the worker failed: seal makes its own */));
  }
  await Promise.all(jobs);
}

/** One ready pair for this recipient device key, removed from the pool (undefined: none ready). */
export function takeSealAhead(recipientDeviceKey: Uint8Array): FreshPair | undefined {
  const ready = pool.get(toBase64Url(recipientDeviceKey));
  return ready?.shift();
}

/** Zeroes and forgets every ready pair (the profile closes). */
export function forgetSealAhead(): void {
  for (const ready of pool.values()) for (const p of ready) sodium.memzero(p.shared);
  pool.clear();
}
