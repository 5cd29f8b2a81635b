import { describe, expect, it } from 'vitest';
import { longFiles, retiredCodeUses, sqlOffenders } from '../support/house';
import { undocumentedExports } from '../support/tsdoc';

const names = (file: string, text: string) => undocumentedExports(file, text).map((m) => m.name);

describe('the file-length check', () => {
  it('flags a file of 401 lines and passes one of 400', () => {
    const lines = (n: number) => `${Array.from({ length: n }, (_, i) => `const a${i} = ${i};`).join('\n')}\n`;
    expect(longFiles([{ file: 'src/long.ts', text: lines(401) }, { file: 'src/ok.ts', text: lines(400) }])).toEqual(['src/long.ts: 401 lines']);
  });
});

describe('the TSDoc check', () => {
  it('flags exports with no comment, a line comment, an empty block or a plain block comment', () => {
    const text = [
      'export function bare(): void {}',
      '// a line comment is not TSDoc',
      'export const lined = 1, second = 2;',
      '/** */',
      'export class Empty {}',
      '/* not a doc block */',
      'export interface Plain { a: number }',
      '/** Stale: code sits between it and the export. */',
      'const between = 1;',
      'export type Alias = typeof between;',
      'export default 42;',
    ].join('\n');
    expect(names('src/x.ts', text)).toEqual(['bare', 'lined', 'second', 'Empty', 'Plain', 'Alias', 'default']);
  });

  it('accepts TSDoc directly above, on the export group, on the declaration a group names, and on the first of merged declarations (overloads, a schema and its type)', () => {
    const text = [
      '/** Adds one. */',
      'export function inc(n: number): number { return n + 1; }',
      '/** Several things at once. */',
      'export { a, b };',
      'const a = 1;',
      'const b = 2;',
      '/** Documented where declared. */',
      'const c = 3;',
      'export { c as renamed };',
      '/** Parses a number or a string. */',
      'export function parse(x: string): number;',
      'export function parse(x: number): number;',
      'export function parse(x: string | number): number { return Number(x); }',
      '/** A point, as a schema and as its type. */',
      'export const Point = z.object({ x: z.number() });',
      'export type Point = z.infer<typeof Point>;',
      "export * from './elsewhere';",
      "export { d } from './elsewhere';",
      'function internal(): void {}',
      'internal();',
    ].join('\n');
    expect(names('src/x.ts', text)).toEqual([]);
  });

  it('flags a name in an export group whose declaration has no TSDoc, and a type whose namesake is not next to it', () => {
    expect(names('src/x.tsx', 'const hidden = 1;\nexport { hidden };')).toEqual(['hidden']);
    const apart = '/** A schema. */\nexport const S = z.string();\nconst other = 1;\nexport type S = z.infer<typeof S>;';
    expect(names('src/x.ts', apart)).toEqual(['S']);
  });
});

describe('the SQL-outside-the-store check', () => {
  it('flags SQL in strings, templates and + chains, and database calls', () => {
    const text = [
      "db.prepare('SELECT id FROM messages WHERE id = ?').get(id);",
      'const q = `UPDATE contacts SET trust = ${t} WHERE account_id = ?`;',
      "const r = 'INSERT OR IGNORE ' + 'INTO settings (key) VALUES (?)';",
      "database.exec('BEGIN IMMEDIATE');",
      "store.db.pragma('journal_mode = WAL');",
    ].join('\n');
    expect(sqlOffenders('src/main/chat/x.ts', text)).toEqual([
      'src/main/chat/x.ts:1 .prepare( call',
      'src/main/chat/x.ts:1 SQL "SELECT id FROM messages WHERE id = ?"',
      'src/main/chat/x.ts:2 SQL "UPDATE contacts SET trust = ? WHERE account_id = ?"',
      'src/main/chat/x.ts:3 SQL "INSERT OR IGNORE INTO settings (key) VALUES (?)"',
      'src/main/chat/x.ts:4 .exec( call',
      'src/main/chat/x.ts:4 SQL "BEGIN IMMEDIATE"',
      'src/main/chat/x.ts:5 .pragma( call',
    ]);
  });

  it('leaves regular expressions and English sentences alone', () => {
    const text = [
      'const WORD = /\\w+/u;',
      'WORD.exec(input);',
      '/^a+$/.exec(input);',
      "const label = 'Delete from everyone';",
      "const hint = 'Select a contact from the list';",
      "const shout = 'UPDATE now';",
    ].join('\n');
    expect(sqlOffenders('src/main/chat/x.ts', text)).toEqual([]);
  });
});

describe('the retired-error-code check', () => {
  it('flags CHAT_NOT_ALLOWED wherever it is thrown, compared or declared, and no other code', () => {
    const text = [
      "throw new ChatError('CHAT_NOT_ALLOWED', 'No.');",
      "if (e.code === 'CHAT_NOT_ALLOWED') retry();",
      "type Code = 'CHAT_NOT_ALLOWED' | 'CHAT_OFFLINE';",
      "throw new ChatError('CHAT_OFFLINE', 'Offline.');",
    ].join('\n');
    expect(retiredCodeUses('src/main/chat/x.ts', text)).toEqual([
      'CHAT_NOT_ALLOWED at src/main/chat/x.ts:1',
      'CHAT_NOT_ALLOWED at src/main/chat/x.ts:2',
      'CHAT_NOT_ALLOWED at src/main/chat/x.ts:3',
    ]);
  });
});
