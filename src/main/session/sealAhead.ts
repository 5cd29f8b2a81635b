/**
 * Sealed sender's ephemeral X25519, done ahead on the worker thread
 * (crypto/x25519Worker.ts) so the main thread's batch transaction finds it
 * ready:
 * - opening: when a relay push arrives, the ephemeral DH of each version 2
 *   envelope starts on the worker at once; the receive batch that takes the
 *   envelope (maybe the next one: the relay's window is twice a batch)
 *   awaits it and `unseal` uses it. The result is only X25519(own, E): the
 *   envelope is opened and checked exactly as before.
 * - sealing: before a turn's sends are encrypted, fresh ephemeral pairs for
 *   each recipient device (with their DH) are made on the worker; `seal`
 *   takes one per envelope, each used once and zeroed with the pool when
 *   the profile closes. When none is ready, `seal` makes its own.
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

/** The worker's DH per version 2 envelope of a push (undefined: none started, or the worker failed). */
const opening = new WeakMap<Carrier, Promise<Uint8Array | null | undefined>>();

/** Starts the ephemeral DH of every version 2 envelope of `ms` on the worker. */
export function openAhead(ms: readonly Carrier[], own: SealOwnKeys): void {
  const v2 = ms.filter((m) => m.envelope.length >= V2_MIN_BYTES && m.envelope[0] === 0x02 && !opening.has(m));
  if (v2.length === 0) return;
  const all = dhMany(privateKeyObject(own.privateKey), v2.map((m) => m.envelope.subarray(1, 33))).catch(() => undefined);
  v2.forEach((m, i) => opening.set(m, all.then((r) => (r === undefined ? undefined : r[i]!))));
}

/** The worker's X25519(own, E) for these envelopes when started by openAhead (undefined: compute it here). */
export async function openedAhead<T extends Carrier>(ms: readonly T[]): Promise<Map<T, Uint8Array | null | undefined>> {
  const got = await Promise.all(ms.map((m) => opening.get(m)));
  for (const m of ms) opening.delete(m);
  return new Map(ms.map((m, i) => [m, got[i]]));
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
      ready.push(...pairs);
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
