/**
 * npm run bench:ratchet — Parley's ratchet engine side by side with
 * @signalapp/libsignal-client, in one process, on in-memory stores, doing
 * identical work: setup (bundle, first message, first decrypt), one-way
 * (5,000 × 100 B), ping-pong (2,000, a DH ratchet step each turn) and
 * reversed (1,000 sent, then decrypted in reverse). Medians of REPS runs
 * after a warm-up; the last line is the JSON summary.
 */
import sodium from 'libsodium-wrappers-sumo';
import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { bundleFromKeys } from '../src/main/protocol/bundle';
import {
  generateIdentityKey, generateOneTimeKemPreKeys, generateOneTimePreKeys, generateSignedPreKey, type IdentityKeyPair,
} from '../src/main/protocol/keys';
import { NORMAL_OVERHEAD, PREAMBLE_BYTES } from '../src/main/protocol/message';
import type { ProtocolAddress } from '../src/main/protocol/address';
import { toBase64Url } from '../src/shared/wire/encoding';
import { MemoryProtocolStore } from '../test/support/memoryStores';
import { SessionDriver } from '../test/support/sessionDriver';
import { SignalDevice } from '../test/support/protocolLibsignal';
import { SqliteDevice } from '../test/support/protocolSqlite';
import { LocalStore, SecretKey } from '../src/main/store';
import { initiateSession } from '../src/main/protocol/session';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const REPS = Number(process.env.REPS ?? 5);
const SETUPS = 100;
const ONE_WAY = 5_000;
const PING_PONG = 2_000;
const REVERSED = 1_000;
const PAYLOAD = new Uint8Array(nodeRandomBytes(100));

await sodium.ready;

// ── Parley side ────────────────────────────────────────────────────────────
class ParleyDevice {
  readonly identity: IdentityKeyPair = generateIdentityKey();
  readonly address: ProtocolAddress;
  store = new MemoryProtocolStore();
  /** The app's session path (session.ts, write-free, then the writes) over the in-memory records. */
  session = new SessionDriver(this.store, this.identity);
  #next = 1;
  constructor(name: string) {
    this.address = { accountId: name, deviceId: toBase64Url(this.identity.publicKey) };
  }
  reset(): void {
    this.store = new MemoryProtocolStore();
    this.session = new SessionDriver(this.store, this.identity);
  }
  /** Same work as libsignal's bundle: a fresh signed EC prekey, one-time EC prekey and signed one-time KEM prekey. */
  bundle() {
    const id = this.#next++;
    const spk = generateSignedPreKey(this.identity, id);
    const opk = generateOneTimePreKeys(this.identity, id, 1)[0]!;
    const kem = generateOneTimeKemPreKeys(this.identity, id, 1)[0]!;
    this.store.putPreKeyRecordSync('signed', id, spk.serialize());
    this.store.putPreKeyRecordSync('ec', id, opk.serialize());
    this.store.putPreKeyRecordSync('kem', id, kem.serialize());
    return bundleFromKeys(this.identity.publicKey, spk, kem, opk);
  }
}

interface Engine<D, W> {
  make(name: string): D;
  reset(d: D): void;
  bundleAndProcess(from: D, to: D): Promise<void>;
  encrypt(from: D, to: D): Promise<W>;
  decrypt(at: D, from: D, w: W): Promise<void>;
  size(w: W): number;
}

const parley: Engine<ParleyDevice, Uint8Array> = {
  make: (n) => new ParleyDevice(n),
  reset: (d) => d.reset(),
  // async like libsignal's side, so both pay the same await per call.
  bundleAndProcess: async (a, b) => a.session.startSession(b.address, b.bundle()),
  encrypt: async (a, b) => a.session.encrypt(b.address, PAYLOAD),
  decrypt: async (at, from, w) => void at.session.decrypt(from.address, w),
  size: (w) => w.length,
};

type SW = Awaited<ReturnType<SignalDevice['encrypt']>>;
const signal: Engine<SignalDevice, SW> = {
  make: (n) => new SignalDevice(n),
  reset: (d) => d.reset(),
  bundleAndProcess: (a, b) => a.process(b, b.bundle()),
  encrypt: (a, b) => a.encrypt(b, PAYLOAD),
  decrypt: async (at, from, w) => void (await at.decrypt(from, w)),
  size: (w) => w.bytes.length,
};

async function established<D, W>(e: Engine<D, W>): Promise<[D, D]> {
  const a = e.make('alice');
  const b = e.make('bob');
  await e.bundleAndProcess(a, b);
  await e.decrypt(b, a, await e.encrypt(a, b));
  await e.decrypt(a, b, await e.encrypt(b, a));
  return [a, b];
}

/** Each scenario returns operations per second (setups or messages). */
async function setup<D, W>(e: Engine<D, W>): Promise<number> {
  const a = e.make('alice');
  const b = e.make('bob');
  const t = performance.now();
  for (let i = 0; i < SETUPS; i++) {
    e.reset(a);
    await e.bundleAndProcess(a, b);
    await e.decrypt(b, a, await e.encrypt(a, b));
  }
  return (SETUPS * 1000) / (performance.now() - t);
}

async function oneWay<D, W>(e: Engine<D, W>): Promise<number> {
  const [a, b] = await established(e);
  const t = performance.now();
  for (let i = 0; i < ONE_WAY; i++) await e.decrypt(b, a, await e.encrypt(a, b));
  return (ONE_WAY * 1000) / (performance.now() - t);
}

async function pingPong<D, W>(e: Engine<D, W>): Promise<number> {
  const [a, b] = await established(e);
  const t = performance.now();
  for (let i = 0; i < PING_PONG; i++) {
    const [from, to] = i % 2 === 0 ? [a, b] : [b, a];
    await e.decrypt(to, from, await e.encrypt(from, to));
  }
  return (PING_PONG * 1000) / (performance.now() - t);
}

async function reversed<D, W>(e: Engine<D, W>): Promise<number> {
  const [a, b] = await established(e);
  const t = performance.now();
  const sent: W[] = [];
  for (let i = 0; i < REVERSED; i++) sent.push(await e.encrypt(a, b));
  for (let i = REVERSED - 1; i >= 0; i--) await e.decrypt(b, a, sent[i]!);
  return (REVERSED * 1000) / (performance.now() - t);
}

async function overhead<D, W>(e: Engine<D, W>): Promise<{ initial: number; normal: number }> {
  const a = e.make('alice');
  const b = e.make('bob');
  await e.bundleAndProcess(a, b);
  const first = await e.encrypt(a, b);
  await e.decrypt(b, a, first);
  const reply = await e.encrypt(b, a);
  await e.decrypt(a, b, reply);
  return { initial: e.size(first) - PAYLOAD.length, normal: e.size(await e.encrypt(a, b)) - PAYLOAD.length };
}

/** Parley's write-free API on real SQLite files (WAL): each message is one transaction on each side, plaintext row included. */
function oneWaySqlite(): number {
  const dir = mkdtempSync(path.join(tmpdir(), 'parley-bench-'));
  try {
    const a = new ParleyDevice('alice');
    const b = new ParleyDevice('bob');
    const da = new SqliteDevice(path.join(dir, 'a.db'), a.identity);
    const db = new SqliteDevice(path.join(dir, 'b.db'), b.identity);
    const bundle = b.bundle();
    for (const [kind, map] of [['signed', b.store.prekeys.signed], ['oneTime', b.store.prekeys.ec], ['kem', b.store.prekeys.kem]] as const) {
      for (const [id, rec] of map) db.storePreKey(kind, id, rec);
    }
    da.setSession(b.address, initiateSession(null, a.identity, bundle));
    db.receive(a.address, 'setup', da.send(b.address, PAYLOAD));
    da.receive(b.address, 'reply', db.send(a.address, PAYLOAD));
    const t = performance.now();
    for (let i = 0; i < ONE_WAY; i++) db.receive(a.address, `m${i}`, da.send(b.address, PAYLOAD));
    const rate = (ONE_WAY * 1000) / (performance.now() - t);
    da.close();
    db.close();
    return rate;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Parley's session path (session.ts, then the writes) on the app's own encrypted SQLite store (src/main/store: SQLCipher, sealed records). */
function oneWayLocalStore(): number {
  const dir = mkdtempSync(path.join(tmpdir(), 'parley-bench-store-'));
  const stores: LocalStore[] = [];
  try {
    const mk = (name: string) => {
      const d = new ParleyDevice(name);
      const store = LocalStore.fromKey(path.join(dir, `${name}.db`), SecretKey.random());
      stores.push(store);
      store.protocol.setIdentityKeyPairSync(d.identity.serialize());
      return { d, session: new SessionDriver(store.protocol, d.identity), store };
    };
    const a = mk('alice');
    const b = mk('bob');
    const bundle = b.d.bundle();
    for (const table of ['signed', 'ec', 'kem'] as const) {
      for (const [id, rec] of b.d.store.prekeys[table]) b.store.protocol.putPreKeyRecordSync(table, id, rec);
    }
    a.session.startSession(b.d.address, bundle);
    b.session.decrypt(a.d.address, a.session.encrypt(b.d.address, PAYLOAD));
    a.session.decrypt(b.d.address, b.session.encrypt(a.d.address, PAYLOAD));
    const t = performance.now();
    for (let i = 0; i < ONE_WAY; i++) b.session.decrypt(a.d.address, a.session.encrypt(b.d.address, PAYLOAD));
    return (ONE_WAY * 1000) / (performance.now() - t);
  } finally {
    for (const s of stores) s.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const scenarios = { setup, oneWay, pingPong, reversed } as const;
type Row = keyof typeof scenarios;
const results: Record<Row, { parley: number[]; libsignal: number[] }> = {
  setup: { parley: [], libsignal: [] }, oneWay: { parley: [], libsignal: [] },
  pingPong: { parley: [], libsignal: [] }, reversed: { parley: [], libsignal: [] },
};

// Why the engine never calls randombytes_buf: measure it against the node:crypto pool.
const rbStart = performance.now();
for (let i = 0; i < 20; i++) sodium.randombytes_buf(24);
const rbUs = ((performance.now() - rbStart) * 1000) / 20;
const nodeStart = performance.now();
for (let i = 0; i < 2000; i++) nodeRandomBytes(24);
const nodeUs = ((performance.now() - nodeStart) * 1000) / 2000;

const sqliteRuns: number[] = [];
const storeRuns: number[] = [];
for (let rep = -1; rep < REPS; rep++) {
  const sq = oneWaySqlite();
  const st = oneWayLocalStore();
  if (rep >= 0) {
    sqliteRuns.push(sq);
    storeRuns.push(st);
  }
  for (const [name, run] of Object.entries(scenarios) as [Row, (e: Engine<unknown, unknown>) => Promise<number>][]) {
    const p = await run(parley as Engine<unknown, unknown>);
    const s = await run(signal as Engine<unknown, unknown>);
    if (rep >= 0) {
      results[name].parley.push(p);
      results[name].libsignal.push(s);
    }
  }
  process.stderr.write(rep < 0 ? 'warm-up done\n' : `repetition ${rep + 1}/${REPS}\n`);
}

const pOver = await overhead(parley as Engine<unknown, unknown>);
const sOver = await overhead(signal as Engine<unknown, unknown>);
const unit: Record<Row, string> = { setup: 'setups/s', oneWay: 'msgs/s', pingPong: 'msgs/s', reversed: 'msgs/s' };
const goal: Record<Row, number> = { setup: 0.8, oneWay: 5, pingPong: 1.2, reversed: 3 };
const summary: Record<string, unknown> = {};
const ratio: Record<string, number> = {};
console.log(`ratchet benchmark: medians of ${REPS} repetitions after a warm-up (Node ${process.version}, ${process.platform} ${process.arch})`);
console.log('row        | Parley        | libsignal     | ratio | goal');
for (const row of Object.keys(scenarios) as Row[]) {
  const p = median(results[row].parley);
  const s = median(results[row].libsignal);
  ratio[row] = Number((p / s).toFixed(2));
  summary[row] = { parley: Math.round(p), libsignal: Math.round(s), unit: unit[row] };
  console.log(`${row.padEnd(10)} | ${Math.round(p).toString().padStart(7)} ${unit[row].padEnd(5)} | ${Math.round(s).toString().padStart(7)} ${unit[row].padEnd(5)} | ${ratio[row].toFixed(2).padStart(5)} | ≥ ${goal[row]}×`);
}
const sq = median(sqliteRuns);
const sqRatio = Number((sq / median(results.oneWay.libsignal)).toFixed(2));
console.log(`${'oneWay+SQL'.padEnd(10)} | ${Math.round(sq).toString().padStart(7)} msgs/s | ${Math.round(median(results.oneWay.libsignal)).toString().padStart(7)} msgs/s | ${sqRatio.toFixed(2).padStart(5)} | Parley on SQLite files (1 txn/msg each side) vs libsignal in memory`);
const st = median(storeRuns);
const stRatio = Number((st / median(results.oneWay.libsignal)).toFixed(2));
console.log(`${'oneWay+db'.padEnd(10)} | ${Math.round(st).toString().padStart(7)} msgs/s | ${Math.round(median(results.oneWay.libsignal)).toString().padStart(7)} msgs/s | ${stRatio.toFixed(2).padStart(5)} | session.ts on the app's encrypted LocalStore vs libsignal in memory`);
console.log(`ciphertext overhead (bytes over a 100 B plaintext): Parley normal ${pOver.normal}, initial ${pOver.initial}; libsignal normal ${sOver.normal}, initial ${sOver.initial}`);
console.log(`(wire constants: Parley normal overhead ${NORMAL_OVERHEAD}, preamble ${PREAMBLE_BYTES})`);
console.log(`randombytes_buf(24): ${rbUs.toFixed(1)} µs; node:crypto randomBytes(24): ${nodeUs.toFixed(2)} µs (the engine draws from a pooled node:crypto buffer)`);
console.log(JSON.stringify({ ...summary, oneWaySqlite: { parley: Math.round(sq), unit: 'msgs/s' }, oneWayLocalStore: { parley: Math.round(st), unit: 'msgs/s' }, overhead: { parley: pOver, libsignal: sOver }, ratio: { ...ratio, oneWaySqlite: sqRatio, oneWayLocalStore: stRatio } }));
