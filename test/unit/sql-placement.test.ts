import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { sqlOutsideStore } from '../support/boundaries';
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

describe('SQL lives in src/main/store', () => {
  it('flags statement calls and SQL strings in a file outside the store', () => {
    const src = [
      `db.prepare('x').run();`,
      `store.db.exec("BEGIN IMMEDIATE");`,
      `db.pragma('journal_mode');`,
      'const q = `SELECT id FROM messages WHERE x = ?`;',
      `const d = 'DELETE FROM outbox WHERE recipient = ?';`,
      `const u = "UPDATE messages SET body = '' WHERE id = ?";`,
    ].join('\n');
    const found = sqlOutsideStore('src/main/conversations/x.ts', src).map((v) => v.reason);
    expect(found.filter((r) => r.startsWith('.'))).toHaveLength(3);
    expect(found.filter((r) => r.startsWith('SQL'))).toHaveLength(4);
  });

  it('allows the same text inside src/main/store and ordinary prose elsewhere', () => {
    expect(sqlOutsideStore('src/main/store/messages.ts', `db.prepare('SELECT 1').get();`)).toEqual([]);
    expect(sqlOutsideStore('src/main/devices/x.ts', `throw new Error('Select a device to update, then delete from the list.');`)).toEqual([]);
  });

  it('holds for every file under src/main', () => {
    const violations = sourceFiles(path.join(repoRoot, 'src/main')).flatMap((file) =>
      sqlOutsideStore(path.relative(repoRoot, file), readFileSync(file, 'utf8')),
    );
    expect(violations).toEqual([]);
  });
});
