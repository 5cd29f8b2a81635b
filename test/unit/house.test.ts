import { describe, expect, it } from 'vitest';
import { longFiles, readSources, retiredCodeUses, sqlOffenders, type SourceFile } from '../support/house';
import { undocumentedExports } from '../support/tsdoc';

/**
 * The house rules of issue 12 over src/, always enforced and with no
 * allow-list: file length, TSDoc on every export, SQL only in
 * src/main/store, and no retired error code. Each failure lists every
 * offender as file:line.
 */
const sources = readSources('src');
const insideMain = (s: SourceFile) => s.file.startsWith('src/main/') && !s.file.startsWith('src/main/store/');

/** Fails with the whole list of offenders, one per line, when there is any. */
function expectNone(rule: string, offenders: readonly string[]): void {
  expect(offenders, `${rule}:\n${offenders.join('\n')}`).toEqual([]);
}

describe('house rules over src/', () => {
  it('reads the whole source tree, so an empty read cannot pass the rules', () => {
    expect(sources.length).toBeGreaterThan(100);
    expect(sources.some((s) => s.file.startsWith('src/main/'))).toBe(true);
  });

  it('keeps every source file under src/ within 400 lines', () => {
    expectNone('file over 400 lines', longFiles(sources));
  });

  it('gives every exported declaration in src/ a TSDoc comment', () => {
    const missing = sources.flatMap((s) => undocumentedExports(s.file, s.text));
    expectNone('export without TSDoc', missing.map((m) => `${m.file}:${m.line} ${m.name}`));
  });

  it('keeps SQL and database calls in src/main inside src/main/store', () => {
    expectNone('SQL outside src/main/store', sources.filter(insideMain).flatMap((s) => sqlOffenders(s.file, s.text)));
  });

  it('no longer uses the catch-all CHAT_NOT_ALLOWED error code', () => {
    expectNone('retired error code', sources.flatMap((s) => retiredCodeUses(s.file, s.text)));
  });
});
