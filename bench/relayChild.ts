/** Starts bench/appRelay.ts (the benchmarks' relay, limits lifted) as a child process and resolves with its URL once it listens. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';

const repo = path.resolve(import.meta.dirname, '..');

/** The relay child: its URL, its process, and its CPU time so far (user + system, µs; asked over the IPC channel). */
export interface RelayProcess {
  readonly url: string;
  readonly proc: ChildProcess;
  readonly cpu: () => Promise<number>;
}

/** The relay child process; resolves with its URL once it listens. */
export async function startRelayProcess(): Promise<RelayProcess> {
  // With BENCH_PROFILE=<prefix>, the relay writes its whole run's CPU profiles (one per thread) into the directory <prefix>-relay when it stops.
  const prefix = process.env['BENCH_PROFILE'];
  const prof = prefix ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(prefix)}-relay`] : [];
  const proc = spawn(process.execPath, [...prof, '--import', 'tsx', path.join(repo, 'bench/appRelay.ts')], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'], cwd: repo });
  proc.channel?.unref(); // the IPC channel alone never keeps the benchmark alive
  const cpu = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('bench: the relay did not report its CPU time')), 10_000);
      proc.once('message', (m) => {
        clearTimeout(timer);
        resolve((m as { cpuMicros: number }).cpuMicros);
      });
      proc.send('cpu');
    });
  const lines = readline.createInterface({ input: proc.stdout! });
  for await (const line of lines) if (line.startsWith('url ')) return { url: line.slice(4), proc, cpu };
  throw new Error('bench: the relay did not start');
}
