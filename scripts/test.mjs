#!/usr/bin/env node
// `npm test`: the one command that checks everything, in order — Node ABI
// for the SQLite addon, type checks, lint, build, then every vitest tier
// (unit, vectors, integration, UI). Ends with one line
// "N passed, N failed, N skipped (F files failed to run)" (scripts/testSummary.mjs):
// a test file that failed to load, failed in a hook or raised an error outside
// its tests counts as failed, and makes the exit status non-zero.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { reportArgs, summariseFiles, summaryLines, UNHANDLED_REPORT_ENV } from './testSummary.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules/.bin', name);
const step = (label, cmd, args, env = process.env) => {
  console.log(`\n── ${label} ──`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  return r.status ?? 1;
};

const passthrough = process.argv.slice(2);
for (const [label, cmd, args] of [
  ['native addon (Node ABI)', process.execPath, ['scripts/ensure-node-abi.mjs']],
  ['typecheck (node)', bin('tsc'), ['-p', 'tsconfig.node.json', '--noEmit']],
  ['typecheck (renderer, no Node types)', bin('tsc'), ['-p', 'tsconfig.web.json', '--noEmit']],
  ['typecheck (tests and benchmarks)', bin('tsc'), ['-p', 'tsconfig.test.json', '--noEmit']],
  ['lint', bin('eslint'), ['--max-warnings', '0', '.']],
  ['build', bin('electron-vite'), ['build']],
  ['build (CLI and relay)', process.execPath, ['scripts/build-node.mjs']],
]) {
  const status = step(label, cmd, args);
  if (status !== 0) {
    console.log(`\n0 passed, 1 failed (${label})`);
    process.exit(status);
  }
}

const report = path.join(root, 'test-results/vitest.json');
const unhandled = path.join(root, 'test-results/vitest-unhandled.json');
rmSync(report, { force: true });
rmSync(unhandled, { force: true });
const status = step(
  'tests',
  bin('vitest'),
  ['run', '--reporter=default', ...reportArgs(report), ...passthrough],
  { ...process.env, [UNHANDLED_REPORT_ENV]: unhandled },
);
const summary = summariseFiles(report, unhandled, status, root);
console.log(`\n${summaryLines(summary).join('\n')}`);
process.exit(summary.ok ? 0 : status || 1);
