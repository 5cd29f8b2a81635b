/**
 * Vitest global setup: compiles the CLI and the relay (`npm run build:node`)
 * before any test runs, so the tests that spawn bin/parley.mjs and
 * bin/parley-relay.mjs run the current sources, never a stale build.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './paths';

/** Runs scripts/build-node.mjs once per vitest run; a failed build fails the run. */
export default function setup(): void {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'scripts/build-node.mjs')], { cwd: repoRoot, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm run build:node failed (${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
}
