/**
 * `parley` as a user runs it: one child process of bin/parley.mjs per
 * command, with --json, its lines parsed. For the CLI tests.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './paths';

/** The passphrase every CLI test profile uses. */
export const CLI_TEST_PASSPHRASE = 'cli passphrase for tests';

/** One JSON line the CLI printed. */
export type CliLine = Record<string, unknown>;

/** What one CLI process did: its exit status, its stdout lines and its stderr. */
export interface CliRun {
  readonly code: number;
  readonly out: CliLine[];
  readonly err: string;
}

/** Runs `parley --data DIR --relay URL --json ARGS…` to the end. */
export function runParley(dir: string, relayUrl: string, args: readonly string[], env: Record<string, string> = { PARLEY_PASSPHRASE: CLI_TEST_PASSPHRASE }): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/parley.mjs'), '--data', dir, '--relay', relayUrl, '--json', ...args], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, out: out.trim() ? out.trim().split('\n').map((l) => JSON.parse(l) as CliLine) : [], err }));
  });
}
