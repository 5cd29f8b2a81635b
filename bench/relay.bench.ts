/**
 * npm run bench:relay — relay throughput, latency and idle-connection memory
 * on loopback with authenticated clients, beside a raw `ws` forwarding server
 * doing the same work (parse the send, forward to the recipient socket, answer
 * the sender, take the ack) without storage, auth or validation.
 * Every loop is bounded in count and time. The last line is the JSON summary.
 */
import os from 'node:os';
import pino from 'pino';
import WebSocket, { WebSocketServer } from 'ws';
import { RelayClient } from '../src/main/relayClient/client';
import { startRelay, type RunningRelay } from '../src/relay/server';
import { toBase64Url } from '../src/shared/wire/encoding';
import { startTestPostgres } from '../test/support/postgres';
import { registerDevice, tempDir, type TestDevice } from '../test/support/relayHarness';
import { spawnRelay } from '../test/support/relayProcess';

const PAIRS = 20;
const WINDOW = 32;
const THROUGHPUT_MS = 2_500;
/** Baseline and relay throughput alternate this many times; medians are reported, so load from other jobs hits both alike. */
const ROUNDS = 3;
const MAX_MESSAGES = 400_000;
const OFFERED_RATE = 5_000;
const LATENCY_MS = 3_000;
const IDLE_CONNS = 10_000;
const PAYLOAD_BYTES = 256;
/** Envelope: the send time as 24 ASCII bytes, then filler, in one base64url string. */
const makeEnvelope = (stamp: number): string => {
  const bytes = new Uint8Array(24 + PAYLOAD_BYTES).fill(7);
  bytes.set(new TextEncoder().encode(stamp.toFixed(3).padStart(24, ' ')));
  return toBase64Url(bytes);
};
const stampOf = (bytes: Uint8Array): number => Number(new TextDecoder().decode(bytes.subarray(0, 24)).trim());
const benchLimits = { sendBucketSize: 1e9, sendRefillPerSec: 1e9, frameRatePerSec: 1e6, frameBurst: 1e6, maxConnectionsPerIp: 100_000 };

/** Anything that can send to one recipient and hand deliveries to a callback, acking each. */
interface Pair {
  send(stamp: number): Promise<void>;
  onDelivered(cb: (stamp: number) => void): void;
  close(): Promise<void>;
}

async function relayPairs(relay: RunningRelay, n: number): Promise<Pair[]> {
  const pairs: Pair[] = [];
  for (let i = 0; i < n; i++) {
    const a: TestDevice = await registerDevice(relay.url);
    const b: TestDevice = await registerDevice(relay.url);
    let cb: (stamp: number) => void = () => undefined;
    let pendingAcks: string[] = [];
    b.client.onMessage((m) => {
      pendingAcks.push(m.id);
      if (pendingAcks.length === 1)
        setImmediate(() => {
          const ids = pendingAcks;
          pendingAcks = [];
          b.client.ack(ids).catch(() => undefined);
        });
      cb(stampOf(m.envelope));
    });
    pairs.push({
      send: (stamp) => a.client.send([{ accountId: b.account.id, deviceId: b.device.id, envelope: makeEnvelope(stamp) }]).then(() => undefined),
      onDelivered: (f) => (cb = f),
      close: async () => void (await Promise.all([a.client.close(), b.client.close()])),
    });
  }
  return pairs;
}

/** Raw ws baseline: same frames, forwarded in memory. */
async function startBaseline(): Promise<{ url: string; close(): Promise<void> }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  await new Promise((r) => wss.once('listening', r));
  const byName = new Map<string, WebSocket>();
  let nextId = 1;
  wss.on('connection', (ws) => {
    ws.on('message', (data) => {
      const f = JSON.parse(String(data)) as { type: string; id: number; name?: string; messages?: { deviceId: string; envelope: string }[] };
      if (f.type === 'hello') byName.set(f.name!, ws);
      else if (f.type === 'send') for (const m of f.messages!) byName.get(m.deviceId)?.send(JSON.stringify({ v: 1, type: 'message', id: String(nextId++), ts: Date.now(), envelope: m.envelope }));
      ws.send(JSON.stringify({ v: 1, type: 'response', id: f.id, ok: true, body: null }));
    });
  });
  const port = (wss.address() as { port: number }).port;
  return { url: `ws://127.0.0.1:${port}`, close: () => new Promise((r) => wss.close(() => r())) };
}

async function baselinePairs(url: string, n: number): Promise<Pair[]> {
  const open = async (): Promise<{ ws: WebSocket; call: (f: object) => Promise<void>; onMsg: (cb: (f: { id: string; envelope: string }) => void) => void }> => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    await new Promise((r) => ws.once('open', r));
    const waiting = new Map<number, () => void>();
    let msgCb: (f: { id: string; envelope: string }) => void = () => undefined;
    let id = 1;
    ws.on('message', (d) => {
      const f = JSON.parse(String(d)) as { type: string; id: number | string; envelope: string };
      if (f.type === 'response') {
        waiting.get(f.id as number)?.();
        waiting.delete(f.id as number);
      } else msgCb({ id: String(f.id), envelope: f.envelope });
    });
    return {
      ws,
      call: (f) =>
        new Promise<void>((r) => {
          const i = id++;
          waiting.set(i, r);
          ws.send(JSON.stringify({ v: 1, id: i, ...f }));
        }),
      onMsg: (cb) => (msgCb = cb),
    };
  };
  const pairs: Pair[] = [];
  for (let i = 0; i < n; i++) {
    const a = await open();
    const b = await open();
    await b.call({ type: 'hello', name: `b${i}` });
    let cb: (stamp: number) => void = () => undefined;
    let pendingAcks: string[] = [];
    b.onMsg((m) => {
      pendingAcks.push(m.id);
      if (pendingAcks.length === 1)
        setImmediate(() => {
          const ids = pendingAcks;
          pendingAcks = [];
          void b.call({ type: 'ack', ids });
        });
      cb(stampOf(Buffer.from(m.envelope, 'base64url')));
    });
    pairs.push({
      send: (stamp) => a.call({ type: 'send', messages: [{ accountId: 'x', deviceId: `b${i}`, envelope: makeEnvelope(stamp) }] }),
      onDelivered: (f) => (cb = f),
      close: async () => {
        a.ws.close();
        b.ws.close();
      },
    });
  }
  return pairs;
}

/** Closed loop: each pair keeps WINDOW sends outstanding; counts deliveries over THROUGHPUT_MS. */
async function throughput(pairs: Pair[]): Promise<number> {
  let delivered = 0;
  let sent = 0;
  const end = Date.now() + THROUGHPUT_MS;
  for (const p of pairs) p.onDelivered(() => delivered++);
  const warm = delivered;
  const start = Date.now();
  await Promise.all(
    pairs.map(async (p) => {
      const lane = async (): Promise<void> => {
        while (Date.now() < end && sent < MAX_MESSAGES) {
          sent++;
          await p.send(Date.now());
        }
      };
      await Promise.all(Array.from({ length: WINDOW }, lane));
    }),
  );
  const deadline = Date.now() + 5_000;
  while (delivered - warm < sent && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  return ((delivered - warm) * 1000) / (Date.now() - start);
}

/** Open loop at OFFERED_RATE msgs/s for LATENCY_MS; latency = delivery time minus send time, same clock. */
async function latency(pairs: Pair[]): Promise<{ p50: number; p99: number; samples: number }> {
  const samples: number[] = [];
  for (const p of pairs) p.onDelivered((stamp) => samples.push(performance.now() - stamp));
  const tickMs = 10;
  const perTick = (OFFERED_RATE * tickMs) / 1000;
  const ticks = LATENCY_MS / tickMs;
  const t0 = performance.now();
  let sent = 0;
  for (let t = 0; t < ticks; t++) {
    for (let i = 0; i < perTick; i++, sent++) void pairs[sent % pairs.length]!.send(performance.now());
    const wait = t0 + (t + 1) * tickMs - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  const deadline = Date.now() + 5_000;
  while (samples.length < sent && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  samples.sort((a, b) => a - b);
  const q = (x: number): number => samples[Math.min(samples.length - 1, Math.floor(x * samples.length))] ?? NaN;
  return { p50: q(0.5), p99: q(0.99), samples: samples.length };
}

async function idleMemory(): Promise<number> {
  const child = await spawnRelay(['--data', tempDir(), '--max-connections-per-ip', String(IDLE_CONNS + 100)]);
  try {
    const rss = async (): Promise<number> => Number(/process_resident_memory_bytes (\d+)/.exec(await (await fetch(`${child.httpUrl}/metrics`)).text())![1]);
    const owner = await registerDevice(child.url);
    await new Promise((r) => setTimeout(r, 500));
    const before = await rss();
    const clients: RelayClient[] = [];
    const deadline = Date.now() + 120_000;
    while (clients.length < IDLE_CONNS && Date.now() < deadline) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(200, IDLE_CONNS - clients.length) }, async () => {
          const c = await RelayClient.connect(child.url, { timeoutMs: 60_000 });
          await c.authenticate(owner.account.id, owner.device);
          return c;
        }),
      );
      clients.push(...batch);
    }
    await new Promise((r) => setTimeout(r, 1_000));
    const after = await rss();
    for (const c of clients) c.terminate();
    await owner.client.close();
    return Math.round((after - before) / clients.length);
  } finally {
    child.proc.kill('SIGTERM');
    await child.exited;
  }
}

async function main(): Promise<void> {
  const quiet = pino({ level: 'silent' });
  const row = (name: string, value: string): void => console.log(`${name.padEnd(44)} ${value}`);
  console.log(`relay bench — ${os.cpus().length} cores, Node ${process.versions.node}, ${os.platform()} ${os.arch()}`);

  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const base = await startBaseline();
  const bp = await baselinePairs(base.url, PAIRS);
  const sqlite = await startRelay({ dataDir: tempDir(), logger: quiet, limits: benchLimits });
  const sp = await relayPairs(sqlite, PAIRS);
  const baseRuns: number[] = [];
  const relayRuns: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    baseRuns.push(await throughput(bp));
    relayRuns.push(await throughput(sp));
  }
  const baselinePerSec = median(baseRuns);
  const deliveriesPerSec = median(relayRuns);
  await Promise.all(bp.map((p) => p.close()));
  await base.close();
  row('raw ws forward (baseline) deliveries/s', `${baselinePerSec.toFixed(0)} (runs ${baseRuns.map((x) => x.toFixed(0)).join(', ')})`);
  row('relay SQLite (WAL, synchronous=NORMAL) deliveries/s', `${deliveriesPerSec.toFixed(0)} (runs ${relayRuns.map((x) => x.toFixed(0)).join(', ')})`);
  const lat = await latency(sp);
  row(`relay SQLite latency @${OFFERED_RATE}/s p50 / p99 ms`, `${lat.p50.toFixed(2)} / ${lat.p99.toFixed(2)} (${lat.samples} samples)`);
  await Promise.all(sp.map((p) => p.close()));
  await sqlite.close();

  let postgresDeliveriesPerSec: number | null = null;
  try {
    const pg = await startTestPostgres();
    try {
      const relay = await startRelay({ dataDir: tempDir(), db: pg.url, logger: quiet, limits: benchLimits });
      const pp = await relayPairs(relay, PAIRS);
      postgresDeliveriesPerSec = await throughput(pp);
      await Promise.all(pp.map((p) => p.close()));
      await relay.close();
    } finally {
      await pg.stop();
    }
    row('relay PostgreSQL deliveries/s', postgresDeliveriesPerSec.toFixed(0));
  } catch (e) {
    row('relay PostgreSQL deliveries/s', `unavailable (${e instanceof Error ? e.message.split('\n')[0] : 'error'})`);
  }

  const bytesPerIdleConn = await idleMemory();
  row(`relay RSS per idle authenticated connection (${IDLE_CONNS})`, `${bytesPerIdleConn} bytes`);
  const ratio = deliveriesPerSec / baselinePerSec;
  row('ratio relay / baseline', ratio.toFixed(3));
  console.log(
    JSON.stringify({
      deliveriesPerSec: Math.round(deliveriesPerSec),
      baselinePerSec: Math.round(baselinePerSec),
      ratio: Number(ratio.toFixed(3)),
      p50Ms: Number(lat.p50.toFixed(2)),
      p99Ms: Number(lat.p99.toFixed(2)),
      bytesPerIdleConn,
      postgresDeliveriesPerSec: postgresDeliveriesPerSec === null ? null : Math.round(postgresDeliveriesPerSec),
    }),
  );
  process.exit(0);
}

void main();
