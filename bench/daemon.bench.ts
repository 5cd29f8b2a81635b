/**
 * npm run bench:daemon — `daemonSendMs`: the time from writing a `send`
 * request on a running daemon's socket to reading its response (the text
 * committed to the outbox), median over SENDS, beside a one-shot
 * `parley send` (process start, unlock with Argon2id, send, flush, exit) in
 * the same run. A real relay process on loopback, real profiles made by
 * `parley init`, and a second daemon (its own process) reading at the other
 * end, so this process only times requests. The last line is the JSON summary.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eventually } from '../test/support/chatHarness';
import { RpcClient, runParley, spawnDaemon, type DaemonProcess } from '../test/support/daemonClient';
import { spawnRelay } from '../test/support/relayProcess';

const SENDS = 200;
const WARMUP = 20;
const ONE_SHOTS = 5;
const ENV = { PARLEY_PASSPHRASE: 'daemon bench passphrase' };

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

const tmp = mkdtempSync(path.join(os.tmpdir(), 'parley-bench-daemon-'));
const relay = await spawnRelay(['--data', path.join(tmp, 'relay')]);
const sender = path.join(tmp, 'sender');
const reader = path.join(tmp, 'reader');
const running: DaemonProcess[] = [];

/** `parley init` for a new profile; returns its invite. */
async function init(dir: string, name: string): Promise<string> {
  const r = await runParley(dir, ['--relay', relay.url, 'init', '--name', name], ENV);
  if (r.code !== 0) throw new Error(`init failed: ${r.err}`);
  return (r.out[0] as { invite: string }).invite;
}

/** Starts a daemon on `dir` and connects a client once it is online. */
async function daemonFor(dir: string): Promise<RpcClient> {
  const socket = path.join(dir, 'parley.sock');
  running.push(await spawnDaemon(dir, ['--socket', socket], ENV));
  const client = await RpcClient.connect(socket);
  await eventually(async () => ((await client.call('relay')).result as { online: boolean }).online, 30_000);
  return client;
}

try {
  const senderInvite = await init(sender, 'Bench Sender');
  const readerInvite = await init(reader, 'Bench Reader');
  // The reader is a daemon too, in its own process: this process only times requests.
  const readerClient = await daemonFor(reader);
  await readerClient.call('contactAdd', { code: senderInvite, name: 'Sender' });
  const added = await runParley(sender, ['contact', 'add', readerInvite, '--name', 'Reader'], ENV);
  if (added.code !== 0) throw new Error(`contact add failed: ${added.err}`);

  const oneShot: number[] = [];
  for (let i = 0; i < ONE_SHOTS; i++) {
    const t = performance.now();
    const r = await runParley(sender, ['send', 'Reader', `one-shot ${i}`], ENV);
    oneShot.push(performance.now() - t);
    if (r.code !== 0) throw new Error(`send failed: ${r.err}`);
  }

  const client = await daemonFor(sender);
  const times: number[] = [];
  let last = '';
  for (let i = 0; i < WARMUP + SENDS; i++) {
    const t = performance.now();
    const r = await client.call('send', { name: 'Reader', text: `daemon ${i}` });
    if (i >= WARMUP) times.push(performance.now() - t);
    if (r.error) throw new Error(`send failed: ${r.error.message}`);
    last = (r.result as { id: string }).id;
  }
  await readerClient.until(() => readerClient.notifications.some((n) => n.params?.['id'] === last), 60_000);
  const receipts = client.notifications.filter((n) => n.params?.['type'] === 'receipt').length;
  client.close();
  readerClient.close();

  const sorted = [...times].sort((a, b) => a - b);
  const daemonSendMs = round(median(times));
  const oneShotSendMs = round(median(oneShot), 0);
  console.log(`daemon send: median ${daemonSendMs} ms, p90 ${round(sorted[Math.floor(sorted.length * 0.9)]!)} ms over ${SENDS} (${receipts} receipt notifications meanwhile)`);
  console.log(`one-shot parley send: median ${oneShotSendMs} ms over ${ONE_SHOTS}`);
  console.log(JSON.stringify({ daemonSendMs, oneShotSendMs, ratio: round(oneShotSendMs / daemonSendMs, 1), sends: SENDS, loadAvg: round(os.loadavg()[0]!) }));
} finally {
  for (const d of running) d.proc.kill('SIGTERM');
  await Promise.all(running.map((d) => d.exited));
  relay.proc.kill('SIGTERM');
  await relay.exited;
}
