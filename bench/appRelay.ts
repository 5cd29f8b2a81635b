/**
 * The relay for `npm run bench:app`, in its own process (as in production,
 * so its work does not share the client's event loop). Rate limits are
 * lifted: the benchmark measures the client path, not the relay's abuse
 * limits. Prints `url <ws-url>` once listening; stops on SIGTERM. Answers
 * 'cpu' on the IPC channel with its CPU time so far (the bench prints the
 * relay's share per message: with 2 cores, client and relay bound the rate),
 * and profiles a timed section on request (see below).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Session } from 'node:inspector/promises';
import { startRelay } from '../src/relay/server';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-bench-relay-'));
const relay = await startRelay({
  port: 0,
  host: '127.0.0.1',
  dataDir,
  logLevel: 'silent',
  limits: { sendBucketSize: 1e9, sendRefillPerSec: 1e9, frameRatePerSec: 1e6, frameBurst: 1e6, maxConnectionsPerIp: 100_000, bundleBucketSize: 1e6, bundleRequesterBucketSize: 1e6 },
});
process.stdout.write(`url ${relay.url}\n`);
// 'cpu' answers the CPU time so far; { profile: 'start' } and { profile: 'stop', file } run a CPU profile of this process's
// main thread over a timed section (the bench's BENCH_PROFILE), answered once it has started or been written.
let profiler: Session | null = null;
process.on('message', (m: unknown) => {
  const u = process.cpuUsage();
  const p = typeof m === 'object' && m !== null ? (m as { profile?: string; file?: string }) : null;
  if (p?.profile === 'start') {
    profiler = new Session();
    profiler.connect();
    void profiler.post('Profiler.enable').then(() => profiler!.post('Profiler.start')).then(() => process.send?.({ cpuMicros: u.user + u.system }));
    return;
  }
  if (p?.profile === 'stop' && profiler && p.file) {
    const session = profiler;
    profiler = null;
    void session.post('Profiler.stop').then(({ profile }) => {
      fs.writeFileSync(p.file!, JSON.stringify(profile));
      session.disconnect();
      process.send?.({ cpuMicros: u.user + u.system });
    });
    return;
  }
  process.send?.({ cpuMicros: u.user + u.system });
});
process.once('SIGTERM', () => {
  void relay.close().then(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  });
});
