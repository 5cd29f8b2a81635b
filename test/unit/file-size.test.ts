import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { FILE_MAX_LINES, oversizedFiles } from '../support/boundaries';
import { repoRoot } from '../support/paths';

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...sourceFiles(full));
    else if (/\.(ts|tsx)$/.test(name)) out.push(full);
  }
  return out;
}

describe('source file size', () => {
  it('flags a file one line over the limit and passes one at the limit', () => {
    const at = Array.from({ length: FILE_MAX_LINES }, () => 'x;').join('\n');
    expect(oversizedFiles([{ file: 'a.ts', source: at }])).toEqual([]);
    expect(oversizedFiles([{ file: 'b.ts', source: `${at}\ny;` }])).toEqual([`b.ts: ${FILE_MAX_LINES + 1} lines`]);
  });

  it('keeps every file under src/ within the limit', () => {
    const files = sourceFiles(path.join(repoRoot, 'src')).map((f) => ({ file: path.relative(repoRoot, f), source: readFileSync(f, 'utf8') }));
    expect(oversizedFiles(files)).toEqual([]);
  });
});
