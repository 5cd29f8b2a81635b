/**
 * npm run bench:daemon — `daemonSendMs`: the time from writing a `send`
 * request on a running daemon's socket to reading its response (the text
 * committed to the outbox), median over SENDS, beside a one-shot
 * `parley send` (process start, unlock with Argon2id, send, flush, exit) in
 * the same run (bench/daemonSend.ts). A real relay process on loopback and
 * real profiles made by `parley init`. The last line is the JSON summary.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnRelay } from '../test/support/relayProcess';
import { measureDaemonSend, median } from './daemonSend';

const SENDS = 200;
const WARMUP = 20;
const ONE_SHOTS = 5;

const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

const tmp = mkdtempSync(path.join(os.tmpdir(), 'parley-bench-daemon-'));
const relay = await spawnRelay(['--data', path.join(tmp, 'relay')]);
try {
  const { daemonMs, oneShotMs, receipts, readerCpuMsPerMessage } = await measureDaemonSend(relay.url, tmp, { sends: SENDS, warmup: WARMUP, oneShots: ONE_SHOTS });
  const sorted = [...daemonMs].sort((a, b) => a - b);
  const daemonSendMs = round(median(daemonMs));
  const oneShotSendMs = round(median(oneShotMs), 0);
  console.log(`daemon send: median ${daemonSendMs} ms, p90 ${round(sorted[Math.floor(sorted.length * 0.9)]!)} ms over ${SENDS} (${receipts} receipt notifications meanwhile)`);
  console.log(`one-shot parley send: median ${oneShotSendMs} ms over ${ONE_SHOTS}`);
  console.log(JSON.stringify({ daemonSendMs, oneShotSendMs, ratio: round(oneShotSendMs / daemonSendMs, 1), readerCpuMsPerMessage: round(readerCpuMsPerMessage), sends: SENDS, loadAvg: round(os.loadavg()[0]!) }));
} finally {
  relay.proc.kill('SIGTERM');
  await relay.exited;
}
