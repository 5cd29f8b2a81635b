/** The parts of vitest's JSON report (`--reporter=json`) the summary reads. */
export interface VitestJsonReport {
  readonly numPassedTests?: number;
  readonly numFailedTests?: number;
  readonly numPendingTests?: number;
  readonly numTodoTests?: number;
  readonly testResults?: readonly {
    readonly name: string;
    readonly status: string;
    readonly message: string;
    readonly assertionResults?: readonly { readonly status: string }[];
  }[];
}

/** One error vitest raised outside any test, as scripts/unhandledErrorsReporter.mjs writes it. */
export interface UnhandledError {
  readonly message: string;
  readonly file: string | null;
}

/** One test file that failed outside its tests (load, hook or unhandled error). */
export interface FailedFile {
  readonly file: string;
  readonly error: string;
}

/** The outcome of one run: counts, broken files, whether it is ok, and the closing line. */
export interface TestSummary {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly failedFiles: readonly FailedFile[];
  readonly ok: boolean;
  readonly line: string;
}

/** Summarises one vitest run from its JSON report, unhandled errors and exit status. */
export function summarise(
  report: VitestJsonReport | null,
  run: { exitStatus: number; unhandled?: readonly UnhandledError[]; root?: string },
): TestSummary;

/** Reads a run's JSON report and unhandled-error file (either may be missing) and summarises it. */
export function summariseFiles(jsonReport: string, unhandledReport: string, exitStatus: number, root: string): TestSummary;

/** The lines `npm test` prints last: one per failed file, then the closing line. */
export function summaryLines(summary: TestSummary): string[];

/** The environment variable that tells scripts/unhandledErrorsReporter.mjs where to write. */
export const UNHANDLED_REPORT_ENV: 'PARLEY_UNHANDLED_REPORT';

/** The vitest arguments that write the JSON report and the unhandled-error report the summary reads. */
export function reportArgs(jsonReport: string): string[];
