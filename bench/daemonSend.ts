/**
 * The daemon send measurement `npm run bench:daemon` and the `cli` part of
 * `npm run bench:app` share: two profiles made by `parley init` on the
 * given relay, the reader a daemon in its own process (so the measuring
 * process only times requests), then `send` requests on the sender
 * daemon's Unix socket, timed from writing the request to reading its
 * response (the text committed to the outbox), beside `oneShots` one-shot
 * `parley send` processes (process start, Argon2id unlock, send, flush,
 * exit) on the same profile.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { eventually } from '../test/support/chatHarness';
import { RpcClient, runParley, spawnDaemon, type DaemonProcess } from '../test/support/daemonClient';

const ENV = { PARLEY_PASSPHRASE: 'daemon bench passphrase' };

/** How many sends, after how many untimed warm-up sends, and how many one-shot processes beside them. */
export interface DaemonSendPlan {
  readonly sends: number;
  readonly warmup: number;
  readonly oneShots: number;
}

/** Every timed send and one-shot, in milliseconds, and how many receipt notifications came back meanwhile. */
export interface DaemonSendTimes {
  readonly daemonMs: readonly number[];
  readonly oneShotMs: readonly number[];
  readonly receipts: number;
  /** CPU (user + system) the reading daemon spent per daemon-sent text, from its /proc stat: receiving, storing and notifying. */
  readonly readerCpuMsPerMessage: number;
}

const CLOCK_TICKS_PER_S = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());

/** A process's user + system CPU so far, in ms (Linux /proc; 10 ms steps at the usual 100 ticks/s). */
function cpuMsOf(pid: number): number {
  // Fields after the ")" that ends the command name: state is field 3, utime 14, stime 15.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_S;
}

/** The median of a non-empty list. */
export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Runs the measurement in `dir` (a fresh folder) against the relay at `relayUrl`; every daemon it started is stopped before it returns. */
export async function measureDaemonSend(relayUrl: string, dir: string, plan: DaemonSendPlan): Promise<DaemonSendTimes> {
  const running: DaemonProcess[] = [];
  const init = async (profile: string, name: string): Promise<string> => {
    const r = await runParley(profile, ['--relay', relayUrl, 'init', '--name', name], ENV);
    if (r.code !== 0) throw new Error(`init failed: ${r.err}`);
    return (r.out[0] as { invite: string }).invite;
  };
  const daemonFor = async (profile: string): Promise<RpcClient> => {
    const socket = path.join(profile, 'parley.sock');
    running.push(await spawnDaemon(profile, ['--socket', socket], ENV));
    const client = await RpcClient.connect(socket);
    await eventually(async () => ((await client.call('relay')).result as { online: boolean }).online, 30_000);
    return client;
  };
  const sender = path.join(dir, 'sender');
  const reader = path.join(dir, 'reader');
  try {
    const senderInvite = await init(sender, 'Bench Sender');
    const readerInvite = await init(reader, 'Bench Reader');
    const readerClient = await daemonFor(reader);
    await readerClient.call('contactAdd', { code: senderInvite, name: 'Sender' });
    const added = await runParley(sender, ['contact', 'add', readerInvite, '--name', 'Reader'], ENV);
    if (added.code !== 0) throw new Error(`contact add failed: ${added.err}`);

    const oneShotMs: number[] = [];
    for (let i = 0; i < plan.oneShots; i++) {
      const t = performance.now();
      const r = await runParley(sender, ['send', 'Reader', `one-shot ${i}`], ENV);
      oneShotMs.push(performance.now() - t);
      if (r.code !== 0) throw new Error(`send failed: ${r.err}`);
    }

    const client = await daemonFor(sender);
    const readerPid = running[0]!.proc.pid!;
    const cpuBefore = cpuMsOf(readerPid);
    const daemonMs: number[] = [];
    let last = '';
    for (let i = 0; i < plan.warmup + plan.sends; i++) {
      const t = performance.now();
      const r = await client.call('send', { name: 'Reader', text: `daemon ${i}` });
      if (i >= plan.warmup) daemonMs.push(performance.now() - t);
      if (r.error) throw new Error(`send failed: ${r.error.message}`);
      last = (r.result as { id: string }).id;
    }
    // Every send really arrived at the other end (the reader daemon notified the last one).
    await readerClient.until(() => readerClient.notifications.some((n) => n.params?.['id'] === last), 60_000);
    const readerCpuMsPerMessage = (cpuMsOf(readerPid) - cpuBefore) / (plan.warmup + plan.sends);
    const receipts = client.notifications.filter((n) => n.params?.['type'] === 'receipt').length;
    client.close();
    readerClient.close();
    return { daemonMs, oneShotMs, receipts, readerCpuMsPerMessage };
  } finally {
    for (const d of running) d.proc.kill('SIGTERM');
    await Promise.all(running.map((d) => d.exited));
  }
}
