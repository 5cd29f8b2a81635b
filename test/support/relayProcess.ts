/** Runs the relay as a real child process of bin/parley-relay.mjs (the compiled relay), as `npm run relay` and `npx parley-relay` do. */
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

/** Starts the relay on a free loopback port with `args` and resolves once it prints its listening line. */
export async function spawnRelay(args: readonly string[]): Promise<RelayProcess> {
  const proc = spawn(process.execPath, [path.join(repoRoot, 'bin/parley-relay.mjs'), '--port', '0', ...args], {
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
