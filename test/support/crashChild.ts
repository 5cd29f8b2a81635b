/**
 * Crash-test children: a test/support entry bundled to one CommonJS file
 * (the native SQLite addon left external), and a run of it that the parent
 * kills with SIGKILL when its output says so.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { build } from 'esbuild';
import { tempDir } from './relayHarness';
import { repoRoot } from './paths';

/** Bundles `test/support/<entry>.ts`; returns the file to run with node. */
export async function bundleChild(entry: string): Promise<string> {
  const out = path.join(tempDir(`parley-${entry}-build-`), 'child.cjs');
  await build({
    entryPoints: [path.join(repoRoot, 'test/support', `${entry}.ts`)], bundle: true, platform: 'node', format: 'cjs',
    outfile: out, external: ['better-sqlite3-multiple-ciphers'], logLevel: 'silent',
  });
  return out;
}

/** One run: its output, and whether the parent killed it. */
export interface ChildRun { readonly out: string; readonly err: string; readonly killed: boolean }

/** Runs `file`; SIGKILLs it `delayMs` after `killWhen(output so far)` first holds (or after `timeoutMs`). */
export function runChild(file: string, env: Record<string, string>, killWhen: (out: string) => boolean, timeoutMs: number, delayMs = 0): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file], { env: { ...process.env, ...env, NODE_PATH: path.join(repoRoot, 'node_modules') }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let killed = false;
    const guard = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!killed && killWhen(out)) {
        killed = true;
        if (delayMs > 0) setTimeout(() => child.kill('SIGKILL'), delayMs);
        else child.kill('SIGKILL');
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      clearTimeout(guard);
      resolve({ out, err, killed: killed && signal === 'SIGKILL' });
    });
  });
}
