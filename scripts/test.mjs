#!/usr/bin/env node
// `npm test`: the one command that checks everything, in order — Node ABI
// for the SQLite addon, type checks, lint, build, then every vitest tier
// (unit, vectors, integration, UI). Ends with one line "N passed, N failed".
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules/.bin', name);
const step = (label, cmd, args) => {
  console.log(`\n── ${label} ──`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
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
rmSync(report, { force: true });
const status = step('tests', bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...passthrough]);
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  console.log(`\n${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
} else {
  console.log('\n0 passed, 1 failed (no test report)');
}
process.exit(status);
