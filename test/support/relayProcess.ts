/** Runs the relay as a real child process (`src/relay/main.ts` through tsx), as `npm run relay` does. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './paths';

export interface RelayProcess {
  readonly url: string;
  readonly httpUrl: string;
  readonly proc: ChildProcess;
  /** Resolves with the exit code (or signal) once the process has exited. */
  readonly exited: Promise<number | string>;
}

/** `entry` 'source' runs src/relay/main.ts as `npm run relay` does; 'bin' runs bin/parley-relay.mjs as `npx parley-relay` does. */
export async function spawnRelay(args: readonly string[], entry: 'source' | 'bin' = 'source'): Promise<RelayProcess> {
  const command = entry === 'bin' ? [path.join(repoRoot, 'bin/parley-relay.mjs')] : ['--import', 'tsx', path.join(repoRoot, 'src/relay/main.ts')];
  const proc = spawn(process.execPath, [...command, '--port', '0', ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | string>((r) => proc.once('exit', (code, signal) => r(code ?? signal ?? -1)));
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`relay did not start: ${out}`)), 30_000);
    proc.stdout!.on('data', (d) => {
      out += String(d);
      const m = /listening on (ws:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    proc.stderr!.on('data', (d) => {
      out += String(d);
      if (process.env.PARLEY_RELAY_DEBUG) process.stderr.write(d);
    });
    void exited.then((code) => reject(new Error(`relay exited ${code}: ${out}`)));
  });
  return { url, httpUrl: url.replace(/^ws/, 'http').replace(/\/v1\/ws$/, ''), proc, exited };
}
