import { describe, expect, it, type TestContext } from 'vitest';
import { longFiles, readSources, retiredCodeUses, sqlOffenders, type SourceFile } from '../support/house';
import { undocumentedExports } from '../support/tsdoc';

/**
 * The house rules of issue 12 over today's src/. They fail on today's code
 * while src/main is being restructured, so they run only with
 * PARLEY_HOUSE_STRICT=1; otherwise each prints its offender count and is
 * skipped. There is no allow-list: the lead sets the variable for good
 * (here and in scripts/test.mjs) when the restructure lands.
 */
const strict = process.env.PARLEY_HOUSE_STRICT === '1';

/** The folders whose exports are documented already; their TSDoc check always runs. */
const DOCUMENTED_FOLDERS = [
  'src/shared',
  'src/relay',
  'src/renderer',
  'src/preload',
  'src/cli',
  'src/main/protocol',
  'src/main/store',
  'src/main/relayClient',
];

const sources = readSources('src');
const insideMain = (s: SourceFile) => s.file.startsWith('src/main/') && !s.file.startsWith('src/main/store/');

/** Passes when there are no offenders; outside strict mode, reports the count and skips. */
function expectNone(ctx: TestContext, rule: string, offenders: readonly string[]): void {
  if (!strict) {
    console.log(`house: ${offenders.length} offender(s) of "${rule}" (PARLEY_HOUSE_STRICT=1 to enforce)`);
    ctx.skip(`${offenders.length} offenders`);
  }
  expect(offenders, `${rule}:\n${offenders.join('\n')}`).toEqual([]);
}

describe('house rules over src/ (enforced with PARLEY_HOUSE_STRICT=1)', () => {
  it('keeps every source file under src/ within 400 lines', (ctx) => {
    expectNone(ctx, 'file over 400 lines', longFiles(sources));
  });

  it('gives every exported declaration in src/ a TSDoc comment', (ctx) => {
    const missing = sources.flatMap((s) => undocumentedExports(s.file, s.text));
    expectNone(ctx, 'export without TSDoc', missing.map((m) => `${m.file}:${m.line} ${m.name}`));
  });

  it('keeps SQL and database calls in src/main inside src/main/store', (ctx) => {
    expectNone(ctx, 'SQL outside src/main/store', sources.filter(insideMain).flatMap((s) => sqlOffenders(s.file, s.text)));
  });

  it('no longer uses the catch-all CHAT_NOT_ALLOWED error code', (ctx) => {
    expectNone(ctx, 'retired error code', sources.flatMap((s) => retiredCodeUses(s.file, s.text)));
  });
});

describe('TSDoc in the folders documented so far', () => {
  it('gives every exported declaration a TSDoc comment', () => {
    const covered = sources.filter((s) => DOCUMENTED_FOLDERS.some((folder) => s.file.startsWith(`${folder}/`)));
    expect(covered.length).toBeGreaterThan(100);
    const missing = covered.flatMap((s) => undocumentedExports(s.file, s.text)).map((m) => `${m.file}:${m.line} ${m.name}`);
    expect(missing, missing.join('\n')).toEqual([]);
  });
});
