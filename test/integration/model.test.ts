/**
 * The model-based test of the whole system (issue 11 §6): fast-check
 * generates scenarios over three accounts with up to two devices each —
 * adds from either side in any order, texts, edits, deletes, reactions,
 * devices going offline and online, profiles closed and reopened or
 * SIGKILLed between a commit and its ack, devices linked and revoked, the
 * relay restarted — and runs them against a real relay on loopback and real
 * encrypted profile stores. Once everything is back online and quiet, the
 * invariants of test/support/modelInvariants.ts must hold.
 *
 *   PARLEY_MODEL_RUNS=N       scenarios to run (default 100)
 *   PARLEY_MODEL_SEED=S       replay a failure: its seed …
 *   PARLEY_MODEL_PATH=P       … and its path (both printed on failure)
 *   PARLEY_MODEL_CHECKS=a,b   check only these invariants (names in INVARIANTS)
 *   PARLEY_MODEL_SHRINK_MS=T  time allowed for the whole run including shrinking
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import fs from 'node:fs';
import { buildTemplate, World, type WorldTemplate } from '../support/modelWorld';
import { commandArb, initialModel } from '../support/modelCommands';
import { checkFiles, checkState, INVARIANTS, quiesce, selectedInvariants, type Violation } from '../support/modelInvariants';

const env = process.env;
const RUNS = Number(env['PARLEY_MODEL_RUNS'] ?? 100);
const SEED = env['PARLEY_MODEL_SEED'] === undefined ? undefined : Number(env['PARLEY_MODEL_SEED']);
const PATH = env['PARLEY_MODEL_PATH'];
const CHECKS = selectedInvariants(env['PARLEY_MODEL_CHECKS']);
/** Commands per scenario (before preconditions skip some). */
const MAX_COMMANDS = 14;
/** The default run (100 scenarios) fits the 3-minute budget; a failure's shrinking stops at this bound. */
const TIME_LIMIT_MS = Number(env['PARLEY_MODEL_SHRINK_MS'] ?? Math.max(150_000, RUNS * 1_500));

let template: WorldTemplate;
let scenarios = 0;
const started = Date.now();

beforeAll(async () => {
  template = await buildTemplate();
}, 120_000);

afterAll(() => {
  if (template) fs.rmSync(template.dir, { recursive: true, force: true });
  process.stdout.write(`model test: ${scenarios} scenarios in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
});

/** Runs one scenario and returns what it violated (only the selected invariants). */
async function scenario(cmds: Iterable<fc.AsyncCommand<ReturnType<typeof initialModel>, World>>): Promise<{ violations: Violation[]; notes: string[] }> {
  scenarios++;
  const world = await World.start(template);
  const model = initialModel();
  const violations: Violation[] = [];
  try {
    await fc.asyncModelRun(() => ({ model, real: world }), cmds);
    violations.push(...(await quiesce(model, world)));
    violations.push(...checkState(model, world));
  } finally {
    const failedCloses = await world.shutdown();
    model.notes.push(...failedCloses.map((f) => `close failed: ${f}`));
    violations.push(...checkFiles(world));
    world.remove();
  }
  return { violations: violations.filter((v) => CHECKS.has(v.invariant)), notes: model.notes };
}

describe('the whole system under generated scenarios', () => {
  it(`keeps every message exactly once, with deletes winning, no stuck state, no placeholder and no plaintext on disk (${RUNS} scenarios)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands([commandArb], { maxCommands: MAX_COMMANDS }), async (cmds) => {
        const { violations, notes } = await scenario(cmds);
        if (violations.length > 0) {
          const lines = violations.map((v) => `  [${v.invariant}] ${v.detail}`);
          const names = [...new Set(violations.map((v) => `${v.invariant}: ${INVARIANTS[v.invariant]}`))];
          throw new Error(`Invariants violated:\n${names.map((n) => `  - ${n}`).join('\n')}\n${lines.join('\n')}\nRun notes:\n${notes.map((n) => `  ${n}`).join('\n') || '  (none)'}`);
        }
      }),
      { numRuns: RUNS, seed: SEED, path: PATH, endOnFailure: false, interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: false },
    );
  }, TIME_LIMIT_MS + 60_000);
});
