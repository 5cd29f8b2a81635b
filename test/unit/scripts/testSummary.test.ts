import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { reportArgs, summarise, summariseFiles, summaryLines, UNHANDLED_REPORT_ENV } from '../../../scripts/testSummary.mjs';
import { repoRoot } from '../../support/paths';

const fixtures = path.join(repoRoot, 'test/fixtures/summary');
const outDir = mkdtempSync(path.join(tmpdir(), 'parley-summary-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

/** Runs vitest on fixture files with the reporters `npm test` uses, and summarises the run as `npm test` does. */
function runFixtures(name: string, files: string[]) {
  const json = path.join(outDir, `${name}.json`);
  const unhandled = path.join(outDir, `${name}-unhandled.json`);
  // The child is a fresh vitest run, not a worker of this one.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST')));
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'node_modules/vitest/vitest.mjs'), 'run', ...reportArgs(json), ...files], {
    cwd: fixtures,
    env: { ...env, [UNHANDLED_REPORT_ENV]: unhandled },
    encoding: 'utf8',
  });
  return { exitStatus: r.status ?? 1, summary: summariseFiles(json, unhandled, r.status ?? 1, repoRoot) };
}

describe('the closing line of npm test', () => {
  it('counts files that failed to load, failed in a hook or threw outside a test, and is not ok', () => {
    const { exitStatus, summary } = runFixtures('all', []);
    expect(exitStatus).not.toBe(0);
    expect(summary.failedFiles.map((f) => f.file)).toEqual([
      'test/fixtures/summary/failingHook.fixture.ts',
      'test/fixtures/summary/lateError.fixture.ts',
      'test/fixtures/summary/throwsAtImport.fixture.ts',
    ]);
    expect(summary.failedFiles.map((f) => f.error)).toEqual([
      'cleanup failed',
      'unhandled: Error: thrown after the test ended',
      'this file cannot be loaded',
    ]);
    expect(summary.line).toBe('4 passed, 1 failed, 2 skipped (3 files failed to run)');
    expect(summary.ok).toBe(false);
    expect(summaryLines(summary).at(-1)).toBe(summary.line);
    expect(summaryLines(summary)[0]).toBe('FAILED TO RUN test/fixtures/summary/failingHook.fixture.ts: cleanup failed');
  }, 60_000);

  it('says a file failed to run even when every collected test passed', () => {
    const { summary } = runFixtures('import', ['throwsAtImport', 'passes']);
    expect(summary.line).toBe('1 passed, 0 failed, 2 skipped (1 file failed to run)');
    expect(summary.ok).toBe(false);
  }, 60_000);

  it('is ok only when every file ran and every test passed', () => {
    const { exitStatus, summary } = runFixtures('clean', ['passes']);
    expect(exitStatus).toBe(0);
    expect(summary).toMatchObject({ line: '1 passed, 0 failed, 2 skipped (0 files failed to run)', ok: true, failedFiles: [] });
  }, 60_000);

  it('is not ok when vitest wrote no report or exited non-zero without saying why', () => {
    expect(summarise(null, { exitStatus: 1 })).toMatchObject({ ok: false, line: expect.stringContaining('no test report') });
    const quiet = summarise({ numPassedTests: 2, numFailedTests: 0, testResults: [] }, { exitStatus: 1 });
    expect(quiet).toMatchObject({ ok: false, line: '2 passed, 0 failed, 0 skipped (0 files failed to run; vitest exited with status 1)' });
  });
});
