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
  /** Starts a CPU profile of the relay's main thread, or stops it and writes it to `file` (resolves once done). */
  readonly profile: (what: 'start' | 'stop', file?: string) => Promise<void>;
}

/** The relay child process; resolves with its URL once it listens. */
export async function startRelayProcess(): Promise<RelayProcess> {
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(repo, 'bench/appRelay.ts')], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'], cwd: repo });
  proc.channel?.unref(); // the IPC channel alone never keeps the benchmark alive
  const ask = (message: unknown): Promise<number> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('bench: the relay did not answer')), 10_000);
      proc.once('message', (m) => {
        clearTimeout(timer);
        resolve((m as { cpuMicros: number }).cpuMicros);
      });
      proc.send(message as Parameters<ChildProcess['send']>[0]);
    });
  const cpu = (): Promise<number> => ask('cpu');
  const profile = async (what: 'start' | 'stop', file?: string): Promise<void> => void (await ask({ profile: what, file }));
  const lines = readline.createInterface({ input: proc.stdout! });
  for await (const line of lines) if (line.startsWith('url ')) return { url: line.slice(4), proc, cpu, profile };
  throw new Error('bench: the relay did not start');
}
