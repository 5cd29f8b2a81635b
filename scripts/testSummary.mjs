// The closing line of `npm test`, computed from vitest's JSON report, the
// unhandled errors recorded by scripts/unhandledErrorsReporter.mjs, and
// vitest's exit status. A file that failed to load, failed in a hook, or
// raised an error outside any test counts as a failed file, and any failure
// makes the run not ok — so "N passed, 0 failed" never hides a broken file.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The environment variable that tells scripts/unhandledErrorsReporter.mjs where to write. */
export const UNHANDLED_REPORT_ENV = 'PARLEY_UNHANDLED_REPORT';

/**
 * The vitest arguments that write the two reports the summary reads: the
 * JSON report to `jsonReport`, and (through UNHANDLED_REPORT_ENV) the errors
 * raised outside any test.
 * @param {string} jsonReport
 * @returns {string[]}
 */
export function reportArgs(jsonReport) {
  const reporter = path.join(path.dirname(fileURLToPath(import.meta.url)), 'unhandledErrorsReporter.mjs');
  return ['--reporter=json', `--reporter=${reporter}`, `--outputFile.json=${jsonReport}`];
}

/**
 * Summarises one vitest run.
 * @param {import('./testSummary.d.mts').VitestJsonReport | null} report vitest's JSON report, or null when none was written
 * @param {{ exitStatus: number, unhandled?: readonly import('./testSummary.d.mts').UnhandledError[], root?: string }} run
 * @returns {import('./testSummary.d.mts').TestSummary}
 */
export function summarise(report, run) {
  const { exitStatus, unhandled = [], root = process.cwd() } = run;
  if (report === null) {
    return { passed: 0, failed: 0, skipped: 0, failedFiles: [], ok: false, line: `0 passed, 0 failed, 0 skipped (no test report; vitest exited with status ${exitStatus})` };
  }
  const rel = (file) => path.relative(root, file).split(path.sep).join('/');
  /** @type {Map<string, string>} file → first error */
  const broken = new Map();
  for (const file of report.testResults ?? []) {
    const testFailed = (file.assertionResults ?? []).some((t) => t.status === 'failed');
    // A failed file whose failure is not a failed test broke outside any test.
    if (file.status === 'failed' && (file.message !== '' || !testFailed)) broken.set(rel(file.name), firstLine(file.message) || 'failed outside any test');
  }
  let looseErrors = 0;
  for (const e of unhandled) {
    if (e.file) {
      if (!broken.has(rel(e.file))) broken.set(rel(e.file), `unhandled: ${firstLine(e.message)}`);
    } else looseErrors += 1;
  }
  const passed = report.numPassedTests ?? 0;
  const failed = report.numFailedTests ?? 0;
  const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  const failedFiles = [...broken].map(([file, error]) => ({ file, error })).sort((a, b) => a.file.localeCompare(b.file));
  const notes = [`${failedFiles.length} ${failedFiles.length === 1 ? 'file' : 'files'} failed to run`];
  if (looseErrors > 0) notes.push(`${looseErrors} unhandled ${looseErrors === 1 ? 'error' : 'errors'} outside any file`);
  const ok = failed === 0 && failedFiles.length === 0 && looseErrors === 0 && exitStatus === 0;
  if (!ok && failed === 0 && failedFiles.length === 0 && looseErrors === 0) notes.push(`vitest exited with status ${exitStatus}`);
  return { passed, failed, skipped, failedFiles, ok, line: `${passed} passed, ${failed} failed, ${skipped} skipped (${notes.join('; ')})` };
}

/**
 * Reads the two report files of a run (either may be missing) and summarises it.
 * @param {string} jsonReport path of vitest's JSON report
 * @param {string} unhandledReport path written by scripts/unhandledErrorsReporter.mjs
 * @param {number} exitStatus vitest's exit status
 * @param {string} root paths in the summary are relative to this
 * @returns {import('./testSummary.d.mts').TestSummary}
 */
export function summariseFiles(jsonReport, unhandledReport, exitStatus, root) {
  const report = existsSync(jsonReport) ? JSON.parse(readFileSync(jsonReport, 'utf8')) : null;
  const unhandled = existsSync(unhandledReport) ? JSON.parse(readFileSync(unhandledReport, 'utf8')) : [];
  return summarise(report, { exitStatus, unhandled, root });
}

/**
 * The lines `npm test` prints last: one per failed file, then the closing line.
 * @param {import('./testSummary.d.mts').TestSummary} summary
 * @returns {string[]}
 */
export function summaryLines(summary) {
  return [...summary.failedFiles.map((f) => `FAILED TO RUN ${f.file}: ${f.error}`), summary.line];
}

function firstLine(text) {
  return String(text ?? '').split('\n')[0].trim();
}
