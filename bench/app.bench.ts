/**
 * npm run bench:app — the paths people wait on, on real store files and a
 * real relay on loopback (its own process, bench/appRelay.ts), beside the
 * engine-only one-way rate measured in the same run:
 * - catch-up: 10,000 texts from 20 contacts queued while the profile was
 *   closed; open → all committed, acked and receipted (messages/s);
 * - send: 5,000 texts to 5 contacts in one burst → all accepted (messages/s);
 * - cold open: unlock (keychain, no Argon2id) a profile of 1,000,000
 *   messages in 1,000 conversations, read the list and the top 50 (ms);
 * - link: a new desktop takes a profile's 100,000 messages end to end (s);
 * - cli: `parley --version`, and `send` through a running daemon (ms).
 * BENCH_ONLY=catchup,send,... runs a subset (catchup-lone, only on request: the
 * catch-up of texts each sent alone); BENCH_SCALE (default 1) scales
 * every count. Temp dirs are deleted at the end. The last line is the JSON.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Session } from 'node:inspector/promises';
import { performance as perfHooks, type EventLoopUtilization } from 'node:perf_hooks';
import sodium from 'libsodium-wrappers-sumo';
import { randomBytes } from 'node:crypto';
import { Messenger } from '../src/main/messenger/messenger';
import { generateIdentityKey } from '../src/main/protocol';
import { generateOneTimeKemPreKeys, generateOneTimePreKeys, generateSignedPreKey } from '../src/main/protocol';
import { bundleFromKeys } from '../src/main/protocol/bundle';
import { LocalStore } from '../src/main/store';
import type { NewMessage } from '../src/main/store';
import { STORE_BULK_INSERT_BATCH } from '../src/shared/constants';
import { toBase64Url } from '../src/shared/wire/encoding';
import { MemoryProtocolStore } from '../test/support/memoryStores';
import { SessionDriver } from '../test/support/sessionDriver';
import { testKeychain } from '../test/support/testKeychain';
import { TEST_PWHASH } from '../test/support/chatHarness';
import { startRelayProcess } from './relayChild';
import { measureDaemonSend, median } from './daemonSend';

const SCALE = Number(process.env['BENCH_SCALE'] ?? 1);
const ONLY = new Set((process.env['BENCH_ONLY'] ?? 'catchup,send,cold,link,cli').split(','));
const n = (x: number): number => Math.max(1, Math.round(x * SCALE));
const CATCHUP_CONTACTS = 20;
const CATCHUP_EACH = n(500);
const SEND_CONTACTS = 5;
const SEND_EACH = n(1_000);
const SEND_ROUNDS = 2;
const COLD_MESSAGES = n(1_000_000);
const COLD_CONVERSATIONS = 1_000;
const LINK_MESSAGES = n(100_000);
const ENGINE_MESSAGES = 5_000;
const CLI_RUNS = 5;
const DAEMON_SENDS = 200;
const DAEMON_WARMUP = 20;
const DONE_TIMEOUT_MS = 600_000;
const NUDGE_MS = 2_000;
const repo = path.resolve(import.meta.dirname, '..');

await sodium.ready;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-bench-app-'));
const keychain = testKeychain(new Uint8Array(randomBytes(32)));
let dirs = 0;
const newDir = (): string => path.join(tmp, `p${dirs++}`);
const log = (s: string): void => void process.stdout.write(`${s}\n`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `check`. `nudge` runs every NUDGE_MS while waiting: a flush that
 * failed (a timeout under load) is otherwise tried again only on the next
 * send or connection, which a benchmark never makes.
 */
async function until(check: () => boolean, what: string, nudge?: () => void): Promise<void> {
  const end = Date.now() + DONE_TIMEOUT_MS;
  let next = Date.now() + NUDGE_MS;
  while (!check()) {
    if (Date.now() > end) throw new Error(`bench: ${what} not reached in time`);
    if (nudge && Date.now() > next) {
      next = Date.now() + NUDGE_MS;
      nudges++;
      nudge();
    }
    await sleep(5);
  }
}
let nudges = 0;

/** The engine alone: the app's session path (session.ts) one-way on in-memory records, the reference rate. */
async function engineRate(): Promise<number> {
  const make = (name: string) => {
    const identity = generateIdentityKey();
    const store = new MemoryProtocolStore();
    return { identity, store, driver: new SessionDriver(store, identity), address: { accountId: name, deviceId: toBase64Url(identity.publicKey) } };
  };
  const a = make('alice');
  const b = make('bob');
  const spk = generateSignedPreKey(b.identity, 1);
  const opk = generateOneTimePreKeys(b.identity, 1, 1)[0]!;
  const kem = generateOneTimeKemPreKeys(b.identity, 1, 1)[0]!;
  b.store.putPreKeyRecordSync('signed', 1, spk.serialize());
  b.store.putPreKeyRecordSync('ec', 1, opk.serialize());
  b.store.putPreKeyRecordSync('kem', 1, kem.serialize());
  a.driver.startSession(b.address, bundleFromKeys(b.identity.publicKey, spk, kem, opk));
  const payload = new Uint8Array(randomBytes(100));
  b.driver.decrypt(a.address, a.driver.encrypt(b.address, payload));
  a.driver.decrypt(b.address, b.driver.encrypt(a.address, payload));
  const t = performance.now();
  for (let i = 0; i < ENGINE_MESSAGES; i++) b.driver.decrypt(a.address, a.driver.encrypt(b.address, payload));
  return (ENGINE_MESSAGES * 1000) / (performance.now() - t);
}

/** Delivery failures the profiles recorded (audit kinds and reasons), reported at the end. */
const audited = new Set<string>();
const noteFailures = (m: Messenger): void => {
  for (const e of m.store.audit.list(500)) if (e.kind === 'delivery.failed' || e.kind === 'envelope.deferred') audited.add(`${e.kind} ${JSON.stringify(e.detail)}`);
};

async function profile(name: string, relayUrl: string): Promise<{ m: Messenger; dir: string }> {
  const dir = newDir();
  const { messenger } = await Messenger.create({ dir, displayName: name, relayUrl, keychain, pwhash: TEST_PWHASH });
  if (!(await messenger.waitOnline())) throw new Error(`bench: ${name} is offline`);
  return { m: messenger, dir };
}

/**
 * With BENCH_PROFILE=<file prefix>, a CPU profile of one timed section (the
 * --cpu-prof format) goes to <prefix>-<name>.cpuprofile, and the relay
 * child's over the same section to <prefix>-<name>-relay.cpuprofile; with
 * BENCH_PROFILE_KIND=heap, a sampling heap profile (every allocation
 * counted, collected or not) goes to <prefix>-<name>.heapprofile instead.
 */
async function profiled<T>(name: string, f: () => Promise<T>): Promise<T> {
  const prefix = process.env['BENCH_PROFILE'];
  if (!prefix) return f();
  const heap = process.env['BENCH_PROFILE_KIND'] === 'heap';
  if (!heap) await relay?.profile('start');
  const inspector = new Session();
  inspector.connect();
  if (heap) {
    await inspector.post('HeapProfiler.enable');
    await inspector.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  } else {
    await inspector.post('Profiler.enable');
    await inspector.post('Profiler.start');
  }
  try {
    return await f();
  } finally {
    const { profile } = heap ? await inspector.post('HeapProfiler.stopSampling') : await inspector.post('Profiler.stop');
    fs.writeFileSync(`${prefix}-${name}.${heap ? 'heapprofile' : 'cpuprofile'}`, JSON.stringify(profile));
    inspector.disconnect();
    if (!heap) await relay?.profile('stop', path.resolve(`${prefix}-${name}-relay.cpuprofile`));
  }
}

/**
 * This process's CPU time per message in a timed section (user + system):
 * steadier than the wall-clock rate on a shared machine, for comparing
 * changes. The relay's process (its own CPU time, asked over IPC) is
 * printed beside it: on 2 cores, client and relay together bound the rate.
 */
const noteCpu = async (what: string, since: NodeJS.CpuUsage, relaySince: number, mainSince: Map<string, number> | null, count: number, elu: EventLoopUtilization): Promise<void> => {
  const u = process.cpuUsage(since);
  const busy = perfHooks.eventLoopUtilization(elu).utilization;
  const r = (await relay!.cpu()) - relaySince;
  const now = threadsCpu();
  // Threads that ended in the section (a worker's) are not counted; their share shows in the process total.
  const spent = now && mainSince ? [...now].map(([name, t]) => [name, t - (mainSince.get(name) ?? 0)] as const).filter(([, t]) => t > 0) : [];
  const mainNote = spent.length === 0 ? '' : `; by thread: ${spent.map(([name, t]) => `${name} ${Math.round(t / count)}`).join(', ')}`;
  log(`${what}: ${Math.round((u.user + u.system) / count)} µs of client CPU per message (user ${Math.round(u.user / count)}, system ${Math.round(u.system / count)}${mainNote}); relay ${Math.round(r / count)} µs; event loop busy ${(busy * 100).toFixed(0)} %`);
};

/**
 * CPU time (µs) of this process's threads, by thread name (Linux, from
 * /proc, 10 ms ticks; null elsewhere), the main thread under "main": the
 * event loop is what bounds the send rate, and process.cpuUsage also counts
 * the X25519 worker and V8's helper threads, whose share moves (on 2 cores
 * their time comes out of the main thread's and the relay's); and, as
 * "main waiting", how long the main thread waited for a core.
 */
function threadsCpu(): Map<string, number> | null {
  try {
    const byName = new Map<string, number>();
    for (const tid of fs.readdirSync(`/proc/self/task`)) {
      const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // Node names V8's platform threads (GC, compiler) after the process: "node".
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/\d+$/u, '').trim();
      const name = Number(tid) === process.pid ? 'main' : comm === 'node' ? 'V8 helpers' : comm;
      const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
      byName.set(name, (byName.get(name) ?? 0) + ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS); // utime and stime (fields 14 and 15)
    }
    // How long the main thread was ready to run but waited for a core (schedstat's second field, ns): what the other threads cost it.
    byName.set('main waiting', Number(fs.readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[1]) / 1000);
    return byName;
  } catch {
    return null;
  }
}
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** Nothing left to do: outbox, owed receipts and pending acks empty. */
const settled = (m: Messenger): boolean => m.store.delivery.outbox(1).length === 0 && m.store.repairs.owedReceipts(1).size === 0 && m.store.delivery.pendingAcks(1).length === 0;
const unreadTotal = (m: Messenger): number => [...m.store.messages.unreadCounts().values()].reduce((a, b) => a + b, 0);

/** Sends `count` texts from `from` to `to` in one burst (not awaiting each) and waits until the relay took all of them. */
async function burst(from: Messenger, to: string, count: number, label: string): Promise<void> {
  const sends: Promise<unknown>[] = [];
  for (let i = 0; i < count; i++) sends.push(from.conversations.sendText(to, `${label} ${i} a text of ordinary length for a chat message`));
  await Promise.all(sends);
}

/** Sends `count` texts from `from` to `to` one at a time (each awaited: one envelope per send turn, so each sealed alone, version 2). */
async function oneByOne(from: Messenger, to: string, count: number, label: string): Promise<void> {
  for (let i = 0; i < count; i++) await from.conversations.sendText(to, `${label} ${i} a text of ordinary length for a chat message`);
}

/** `lone`: the senders queue their texts one send at a time instead of in one burst (what a week of ordinary chats leaves waiting). */
async function catchup(relayUrl: string, lone = false): Promise<number> {
  const bob = await profile('Bob', relayUrl);
  const invite = bob.m.account.invite();
  await bob.m.close();
  const senders: { m: Messenger; dir: string }[] = [];
  for (let i = 0; i < CATCHUP_CONTACTS; i++) senders.push(await profile(`Sender ${i}`, relayUrl));
  log(`catch-up: ${CATCHUP_CONTACTS} senders created`);
  for (const s of senders) await s.m.contacts.add(invite, 'Bob');
  const target = senders[0]!.m.contacts.list()[0]!.accountId;
  await Promise.all(senders.map((s, i) => (lone ? oneByOne : burst)(s.m, target, CATCHUP_EACH, `from ${i}`)));
  log('catch-up: texts committed by the senders');
  await until(() => senders.every((s) => s.m.store.delivery.outbox(1).length === 0), 'senders flushed', () => senders.forEach((s) => s.m.conversations.flushInBackground()));
  for (const s of senders) {
    noteFailures(s.m);
    await s.m.close();
  }
  const total = CATCHUP_CONTACTS * CATCHUP_EACH;
  log(`catch-up: ${total} queued from ${CATCHUP_CONTACTS} contacts; opening`);
  const relayCpu = await relay!.cpu();
  const mainCpu = threadsCpu();
  const t = performance.now();
  const cpu = process.cpuUsage();
  const elu = perfHooks.eventLoopUtilization();
  const m = await profiled('catchup', async () => {
    const open = await Messenger.open({ dir: bob.dir, keychain });
    // The cheap check first: the harness's polling (every 5 ms) is not the app's work.
    await until(() => settled(open) && unreadTotal(open) >= total, 'catch-up complete');
    return open;
  });
  const ms = performance.now() - t;
  await noteCpu('catch-up', cpu, relayCpu, mainCpu, total, elu);
  noteFailures(m);
  await m.close();
  return (total * 1000) / ms;
}

async function send(relayUrl: string): Promise<number> {
  const alice = await profile('Alice', relayUrl);
  const peers = await Promise.all(Array.from({ length: SEND_CONTACTS }, (_, i) => profile(`Peer ${i}`, relayUrl)));
  const ids: string[] = [];
  for (const p of peers) {
    await alice.m.contacts.add(p.m.account.invite(), `Peer ${ids.length}`);
    ids.push(p.m.keys.accountId);
    await p.m.close();
  }
  // Sessions exist before the clock starts: one text each, flushed.
  for (const id of ids) await alice.m.conversations.sendText(id, 'hello');
  await until(() => alice.m.store.delivery.outbox(1).length === 0, 'first texts flushed');
  const total = SEND_CONTACTS * SEND_EACH;
  // Best of SEND_ROUNDS bursts, as the engine's reference is the best of its runs: the first burst also pays V8's first
  // optimizing compiles of the send path (≈ 300 ms of compiler threads on the second core in stop 33's traces), once per process.
  let best = 0;
  for (let round = 1; round <= SEND_ROUNDS; round++) {
    const relayCpu = await relay!.cpu();
    const mainCpu = threadsCpu();
    const t = performance.now();
    const cpu = process.cpuUsage();
    const elu = perfHooks.eventLoopUtilization();
    await profiled(round === SEND_ROUNDS ? 'send' : `send${round}`, async () => {
      const sends: Promise<unknown>[] = [];
      for (let i = 0; i < SEND_EACH; i++) for (const id of ids) sends.push(alice.m.conversations.sendText(id, `burst ${round}.${i} a text of ordinary length for a chat message`));
      await Promise.all(sends);
      // How far the flush lags behind the commits when the last send committed (the store lists 1,000 at most).
      const committedMs = performance.now() - t;
      const behind = alice.m.store.delivery.outbox(1_000).length;
      await until(() => alice.m.store.delivery.outbox(1).length === 0, 'burst accepted', () => alice.m.conversations.flushInBackground());
      log(`send ${round}: all committed at ${Math.round(committedMs)} ms with ${behind === 1_000 ? '≥ 1,000' : behind} in the outbox (taken but unconfirmed ones too); all taken and confirmed at ${Math.round(performance.now() - t)} ms`);
    });
    const ms = performance.now() - t;
    await noteCpu(`send ${round}`, cpu, relayCpu, mainCpu, total, elu);
    best = Math.max(best, (total * 1000) / ms);
  }
  noteFailures(alice.m);
  await alice.m.close();
  return best;
}

async function coldOpen(): Promise<number> {
  const dir = newDir();
  const store = await LocalStore.create({ dir, keychain });
  store.db.transaction(() => {
    for (let c = 0; c < COLD_CONVERSATIONS; c++) store.messages.upsertConversation({ id: `c${c}`, kind: 'direct', peerAccountId: `peer${c}`, title: `Contact ${c}`, expireTimerMs: null }, 0);
  })();
  const t0 = Date.UTC(2026, 0, 1);
  for (let done = 0; done < COLD_MESSAGES; done += STORE_BULK_INSERT_BATCH) {
    const batch: NewMessage[] = [];
    for (let i = done; i < Math.min(COLD_MESSAGES, done + STORE_BULK_INSERT_BATCH); i++) {
      const c = (i * 7919) % COLD_CONVERSATIONS;
      batch.push({ id: `m${i}`, conversationId: `c${c}`, sender: i % 2 ? 'me' : `peer${c}`, direction: i % 2 ? 'out' : 'in', body: `message ${i} with a few words of ordinary text`, sentAt: t0 + i * 1000, receivedAt: t0 + i * 1000, state: 'delivered' });
    }
    store.messages.insertMany(batch);
  }
  store.close();
  const times: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t = performance.now();
    const s = await LocalStore.open({ dir, keychain });
    const list = s.messages.conversationSummaries(50);
    const top = s.messages.page(list[0]!.id, 50);
    times.push(performance.now() - t);
    if (top.length !== 50) throw new Error('bench: the top conversation has fewer than 50 messages');
    s.close();
  }
  return times.sort((a, b) => a - b)[1]!;
}

async function link(relayUrl: string): Promise<number> {
  const ann = await profile('Ann', relayUrl);
  const ben = await profile('Ben', relayUrl);
  await ann.m.contacts.add(ben.m.account.invite(), 'Ben');
  const conv = ben.m.keys.accountId;
  await ben.m.close();
  const t0 = Date.now() - LINK_MESSAGES * 1000;
  for (let done = 0; done < LINK_MESSAGES; done += STORE_BULK_INSERT_BATCH) {
    const batch: NewMessage[] = [];
    for (let i = done; i < Math.min(LINK_MESSAGES, done + STORE_BULK_INSERT_BATCH); i++) {
      batch.push({ id: `h${i}`, conversationId: conv, sender: i % 2 ? ann.m.keys.accountId : conv, direction: i % 2 ? 'out' : 'in', body: `history ${i} with a few words of ordinary text`, sentAt: t0 + i * 1000, receivedAt: t0 + i * 1000, state: 'delivered' });
    }
    ann.m.store.messages.insertMany(batch);
  }
  let code = '';
  const t = performance.now();
  const linking = Messenger.link({ dir: newDir(), relayUrl, deviceName: 'Bench desktop', keychain, pwhash: TEST_PWHASH, onCode: (c) => (code = c), confirm: async () => true /* the benchmark's user says the codes match */ });
  await until(() => code !== '', 'link code');
  await ann.m.devices.acceptLink(code, null);
  const linked = await linking;
  const sec = (performance.now() - t) / 1000;
  const got = linked.store.messages.page(conv, 1).length;
  await linked.close();
  await ann.m.close();
  if (got !== 1) throw new Error('bench: the linked desktop has no history');
  return sec;
}

function cliStart(): number {
  execFileSync(process.execPath, [path.join(repo, 'scripts/build-node.mjs')], { cwd: repo, stdio: 'ignore' });
  const times: number[] = [];
  for (let i = 0; i < CLI_RUNS; i++) {
    const t = performance.now();
    execFileSync(process.execPath, [path.join(repo, 'bin/parley.mjs'), '--version'], { cwd: repo, stdio: 'ignore' });
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[Math.floor(CLI_RUNS / 2)]!;
}

/** `send` through a running `parley daemon` (bench/daemonSend.ts, shared with bench:daemon): the median request → response time. */
async function daemonSend(relayUrl: string | null): Promise<number> {
  const own = relayUrl === null ? await startRelayProcess() : null;
  try {
    const { daemonMs } = await measureDaemonSend(relayUrl ?? own!.url, newDir(), { sends: DAEMON_SENDS, warmup: DAEMON_WARMUP, oneShots: 0 });
    return median(daemonMs);
  } finally {
    own?.proc.kill('SIGTERM');
  }
}

const round = (x: number | null, d = 0): number | null => (x === null ? null : Number(x.toFixed(d)));
const relay = ONLY.has('catchup') || ONLY.has('catchup-lone') || ONLY.has('send') || ONLY.has('link') ? await startRelayProcess() : null;
try {
  const engine = [await engineRate()];
  const catchupPerSec = ONLY.has('catchup') ? await catchup(relay!.url) : null;
  if (catchupPerSec !== null) log(`catch-up   ${Math.round(catchupPerSec)} msgs/s`);
  // Not in the JSON (the issue's catch-up is the row above): the same catch-up of texts that were each sent alone, on request.
  const lonePerSec = ONLY.has('catchup-lone') ? await catchup(relay!.url, true) : null;
  if (lonePerSec !== null) log(`catch-up of texts sent one at a time   ${Math.round(lonePerSec)} msgs/s`);
  const sendPerSec = ONLY.has('send') ? await send(relay!.url) : null;
  if (sendPerSec !== null) log(`send       ${Math.round(sendPerSec)} msgs/s (best of ${SEND_ROUNDS} bursts)`);
  engine.push(await engineRate());
  const enginePerSec = Math.max(...engine);
  log(`engine     ${Math.round(enginePerSec)} msgs/s (one-way, in memory; best of ${engine.length}: ${engine.map((e) => Math.round(e)).join(' before, ')} after)`);
  if (lonePerSec !== null) log(`catch-up of texts sent one at a time: ratio ${(lonePerSec / enginePerSec).toFixed(3)} of the engine`);
  const coldOpenMs = ONLY.has('cold') ? await coldOpen() : null;
  if (coldOpenMs !== null) log(`cold open  ${coldOpenMs.toFixed(1)} ms (${COLD_MESSAGES} messages)`);
  const link100kSec = ONLY.has('link') ? await link(relay!.url) : null;
  if (link100kSec !== null) log(`link       ${link100kSec.toFixed(1)} s (${LINK_MESSAGES} messages)`);
  const cliStartMs = ONLY.has('cli') ? cliStart() : null;
  if (cliStartMs !== null) log(`cli start  ${cliStartMs.toFixed(0)} ms (parley --version, median of ${CLI_RUNS})`);
  const daemonSendMs = ONLY.has('cli') ? await daemonSend(relay?.url ?? null) : null;
  if (daemonSendMs !== null) log(`daemon     ${daemonSendMs.toFixed(1)} ms (send through a running daemon's socket, median of ${DAEMON_SENDS} after ${DAEMON_WARMUP} warm-up)`);
  if (nudges > 0) log(`note       ${nudges} stalled flush(es) were nudged (a failed flush waits for the next send or connection)`);
  const failures = audited.size > 0 ? [...audited].join(', ') : 'none';
  log(`failures   ${failures}`);
  const ratio = (x: number | null) => (x === null ? null : Number((x / enginePerSec).toFixed(3)));
  log(
    JSON.stringify({
      catchupPerSec: round(catchupPerSec), sendPerSec: round(sendPerSec), enginePerSec: round(enginePerSec), ratio: { catchup: ratio(catchupPerSec), send: ratio(sendPerSec) },
      coldOpenMs: round(coldOpenMs, 1), link100kSec: round(link100kSec, 1), cliStartMs: round(cliStartMs), daemonSendMs: round(daemonSendMs, 1),
    }),
  );
} finally {
  relay?.proc.kill('SIGTERM');
  fs.rmSync(tmp, { recursive: true, force: true });
}
