// A vitest reporter that records the errors vitest raised outside any test
// (a timer that throws after its test ended, a rejected promise nobody
// awaited) to the JSON file named by PARLEY_UNHANDLED_REPORT, with the test
// file each came from. vitest's JSON report leaves them out; scripts/test.mjs
// counts them as failed files through scripts/testSummary.mjs.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Writes `[{ message, file }]` for the run's unhandled errors; does nothing without PARLEY_UNHANDLED_REPORT. */
export default class UnhandledErrorsReporter {
  /**
   * @param {readonly unknown[]} _modules
   * @param {readonly { message?: string, name?: string, VITEST_TEST_PATH?: string }[]} unhandledErrors
   */
  onTestRunEnd(_modules, unhandledErrors) {
    const out = process.env.PARLEY_UNHANDLED_REPORT; // UNHANDLED_REPORT_ENV in testSummary.mjs
    if (!out) return;
    const errors = unhandledErrors.map((e) => ({
      message: `${e.name ?? 'Error'}: ${e.message ?? ''}`,
      file: e.VITEST_TEST_PATH ?? null,
    }));
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, JSON.stringify(errors));
  }
}
