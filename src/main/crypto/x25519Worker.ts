/**
 * Sealed sender's per-envelope X25519 on a worker thread (the machine's
 * other core), so the main thread does not pay it: ≈ 40–60 µs per envelope
 * opened and ≈ 130 µs per envelope sealed (a fresh key pair and its DH),
 * the largest single costs of a catch-up and a burst of sends (bench:app).
 * Same node:crypto X25519 as nativeX25519.ts, so the same bytes; an
 * all-zero result (a low-order public key) comes back as null, as
 * x25519Native returns it.
 *
 * Two jobs, each for a whole batch in one message:
 * - `dhShared`: X25519(private, Eᵢ) for every Eᵢ (the ephemeral keys of a
 *   relay push's envelopes, with this device's identity key), into shared
 *   memory slot by slot, last slot first, while the main thread opens the
 *   batch from the first: each slot is claimed once (Atomics), by whichever
 *   thread gets there first, so the two cores meet in the middle and the
 *   main thread never waits for a message from the worker (it cannot get
 *   one in the middle of a synchronous batch);
 * - `freshPairs`: `count` fresh ephemeral key pairs and each one's DH with
 *   one recipient key: the ephemeral private keys never leave the worker.
 * The worker keeps no state between jobs (a private key arrives as a
 * cloned KeyObject per job); it is started on first use and never keeps the
 * process alive (nothing waits for it on the hot paths). A
 * worker that fails rejects what it had: callers then compute on the main
 * thread, so a missing worker costs speed, never a message.
 */
import { Worker } from 'node:worker_threads';
import type { KeyObject } from 'node:crypto';
import { SHARED_DH_WAIT_MS } from '../../shared/constants';

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createPrivateKey, createPublicKey, diffieHellman, randomFillSync } = require('node:crypto');
// Fresh pairs as in nativeX25519.ts ephemeralX25519 (never generateKeyPairSync: its job's destructor can deadlock a GC;
// the public key is the one the import derives, read back, not a second X25519 with the base point). The scalars of a
// job come from one randomFillSync (a randomBytes call per pair cost ≈ 12 µs), each zeroed once imported.
function freshPair(seeds, i) {
  const d = seeds.subarray(i * 32, i * 32 + 32);
  let privateKey;
  try { privateKey = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: d.toString('base64url'), x: '' }, format: 'jwk' }); } finally { d.fill(0); }
  return { privateKey, x: Buffer.from(createPublicKey(privateKey).export({ format: 'jwk' }).x || '', 'base64url') };
}
const publicKey = (b) => createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(b.buffer, b.byteOffset, 32).toString('base64url') }, format: 'jwk' });
function dh(privateKey, pub, out, at) {
  let s;
  try { s = diffieHellman({ privateKey, publicKey: pub }); } catch { return 0; }
  let z = 0;
  for (const x of s) z |= x;
  if (z !== 0) out.set(s, at);
  s.fill(0);
  return z === 0 ? 0 : 1;
}
parentPort.on('message', (m) => {
  if (m.op === 'dhShared') {
    // Slots: 0 waiting, 1 computing here, 2 done, 3 refused, 4 taken by the main thread.
    const state = new Int32Array(m.state), out = new Uint8Array(m.out), publics = m.publics;
    for (let i = state.length - 1; i >= 0; i--) {
      if (Atomics.compareExchange(state, i, 0, 1) !== 0) continue;
      let ok = 0;
      try { ok = dh(m.key, publicKey(publics.subarray(i * 32, i * 32 + 32)), out, i * 32); } catch { ok = 0; }
      Atomics.store(state, i, ok === 1 ? 2 : 3);
      Atomics.notify(state, i);
    }
    parentPort.postMessage({ id: m.id });
    return;
  }
  const n = m.count, pairs = new Uint8Array(n * 32), out = new Uint8Array(n * 32), ok = new Uint8Array(n);
  let peer = null;
  try { peer = publicKey(m.peer); } catch { /* ok stays 0 for every pair: the main thread seals itself and refuses a bad key there */ }
  const seeds = peer ? randomFillSync(Buffer.alloc(n * 32)) : Buffer.alloc(0);
  for (let i = 0; peer && i < n; i++) {
    const kp = freshPair(seeds, i);
    if (kp.x.length !== 32) continue;
    pairs.set(kp.x, i * 32);
    ok[i] = dh(kp.privateKey, peer, out, i * 32);
  }
  seeds.fill(0);
  parentPort.postMessage({ id: m.id, out, ok, pairs }, [out.buffer, ok.buffer, pairs.buffer]);
});
`;

interface Reply {
  readonly id: number;
  readonly out?: Uint8Array;
  readonly ok?: Uint8Array;
  readonly pairs?: Uint8Array;
}

/** A fresh ephemeral public key and its X25519 with the recipient key it was made for. */
export interface FreshPair {
  readonly publicKey: Uint8Array;
  readonly shared: Uint8Array;
}

let worker: Worker | null = null;
let nextId = 1;
const waiting = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();

/** The worker failed or stopped: its pending jobs reject with this (callers audit it and compute on the main thread). */
export class X25519WorkerError extends Error {
  readonly code = 'X25519_WORKER_FAILED';
}

function failAll(from: Worker | null, e: Error): void {
  if (from !== worker) return; // an old worker's exit after a new one started
  worker = null;
  for (const w of waiting.values()) w.reject(e);
  waiting.clear();
}

function post(message: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<Reply> {
  if (!worker) {
    const w = new Worker(WORKER_SOURCE, { eval: true });
    w.on('message', (r: Reply) => {
      const p = waiting.get(r.id);
      waiting.delete(r.id);
      p?.resolve(r);
    });
    w.on('error', (e) => failAll(w, new X25519WorkerError(`the X25519 worker failed: ${e.message}`)));
    w.on('exit', () => failAll(w, new X25519WorkerError('the X25519 worker exited')));
    // After the listeners (attaching 'message' refs the port again): it never keeps the process alive, since nothing on
    // the hot paths waits for it (results not back in time are computed on the main thread).
    w.unref();
    worker = w;
  }
  const id = nextId++;
  return new Promise<Reply>((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    worker!.postMessage({ ...message, id }, transfer);
  });
}

const split = (r: Reply, i: number): Uint8Array | null => (r.ok![i] === 1 ? r.out!.slice(i * 32, i * 32 + 32) : null);

const WAITING = 0;
const COMPUTING = 1;
const DONE = 2;
const REFUSED = 3;
const TAKEN = 4;

/**
 * One batch of X25519(private, Eᵢ) shared with the worker (see the file
 * comment): `take(i)` claims slot i for the caller, or hands over what the
 * worker computed. `done` resolves when the worker went through every slot
 * (rejects if the worker failed; slots it never reached are the caller's).
 */
export class SharedDh {
  constructor(
    private readonly state: Int32Array,
    private readonly out: Uint8Array,
    readonly done: Promise<void>,
  ) {}

  /**
   * Slot i: the worker's result (null: it refused the key as malformed or
   * low-order), or undefined when the caller computes it itself (claimed
   * here before the worker got to it). If the worker is computing that very
   * slot, waits for it (one DH) up to SHARED_DH_WAIT_MS, then computes.
   */
  take(i: number): Uint8Array | null | undefined {
    let s = Atomics.compareExchange(this.state, i, WAITING, TAKEN);
    if (s === WAITING) return undefined;
    const until = performance.now() + SHARED_DH_WAIT_MS;
    while (s === COMPUTING && performance.now() < until) {
      try {
        Atomics.wait(this.state, i, COMPUTING, SHARED_DH_WAIT_MS);
      } catch {
        return undefined; // a thread that may not block (not Node's main thread): compute here
      }
      s = Atomics.load(this.state, i);
    }
    if (s === COMPUTING) return undefined; // a stalled worker: compute here
    Atomics.store(this.state, i, TAKEN);
    if (s !== DONE) return s === REFUSED ? null : undefined;
    const got = this.out.slice(i * 32, i * 32 + 32);
    this.out.fill(0, i * 32, i * 32 + 32);
    return got;
  }

  /** Claims every slot not taken yet and zeroes what the worker computed for them (envelopes that were not opened). */
  release(): void {
    for (let i = 0; i < this.state.length; i++) this.take(i)?.fill(0);
  }
}

/** Starts X25519(privateKey, each public key) on the worker, shared slot by slot with the caller (SharedDh). */
export function dhShared(privateKey: KeyObject, publics: readonly Uint8Array[]): SharedDh {
  const state = new Int32Array(new SharedArrayBuffer(publics.length * 4));
  const out = new Uint8Array(new SharedArrayBuffer(publics.length * 32));
  const packed = new Uint8Array(publics.length * 32);
  publics.forEach((p, i) => {
    if (p.length === 32) packed.set(p, i * 32);
    else state[i] = REFUSED; // never a valid key
  });
  const done = post({ op: 'dhShared', key: privateKey, publics: packed, state: state.buffer, out: out.buffer }, [packed.buffer]).then(() => undefined);
  return new SharedDh(state, out, done);
}

/** X25519(privateKey, each public key) on the worker, waited for; null for a malformed or low-order key. */
export async function dhMany(privateKey: KeyObject, publics: readonly Uint8Array[]): Promise<(Uint8Array | null)[]> {
  const job = dhShared(privateKey, publics);
  await job.done;
  return publics.map((_, i) => job.take(i) ?? null);
}

/** `count` fresh ephemeral key pairs made on the worker, each with its DH against `peer` (a 32-byte X25519 public key). */
export async function freshPairs(peer: Uint8Array, count: number): Promise<FreshPair[]> {
  const r = await post({ op: 'pairs', peer: peer.slice(0, 32), count });
  const got: FreshPair[] = [];
  for (let i = 0; i < count; i++) {
    const shared = split(r, i);
    if (shared) got.push({ publicKey: r.pairs!.slice(i * 32, i * 32 + 32), shared });
  }
  r.out!.fill(0);
  return got;
}

/** Stops the worker (tests; a process exits without it since it is unref'd). Pending jobs reject. */
export async function stopX25519Worker(): Promise<void> {
  const w = worker;
  failAll(w, new X25519WorkerError('the X25519 worker was stopped'));
  await w?.terminate();
}
