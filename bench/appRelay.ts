/**
 * The relay for `npm run bench:app`, in its own process (as in production,
 * so its work does not share the client's event loop). Rate limits are
 * lifted: the benchmark measures the client path, not the relay's abuse
 * limits. Prints `url <ws-url>` once listening; stops on SIGTERM. Answers
 * 'cpu' on the IPC channel with its CPU time so far (the bench prints the
 * relay's share per message: with 2 cores, client and relay bound the rate).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
process.on('message', () => {
  const u = process.cpuUsage();
  process.send?.({ cpuMicros: u.user + u.system });
});
process.once('SIGTERM', () => {
  void relay.close().then(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  });
});
