/** Starts bench/appRelay.ts (the benchmarks' relay, limits lifted) as a child process and resolves with its URL once it listens. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';

const repo = path.resolve(import.meta.dirname, '..');

/** The relay child process; resolves with its URL once it listens. */
export async function startRelayProcess(): Promise<{ url: string; proc: ChildProcess }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(repo, 'bench/appRelay.ts')], { stdio: ['ignore', 'pipe', 'inherit'], cwd: repo });
  const lines = readline.createInterface({ input: proc.stdout! });
  for await (const line of lines) if (line.startsWith('url ')) return { url: line.slice(4), proc };
  throw new Error('bench: the relay did not start');
}
