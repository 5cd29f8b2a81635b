/**
 * House rules checked over source text (see docs/ARCHITECTURE.md and
 * issue 12): file length, SQL only in `src/main/store`, and no catch-all
 * error code. Each check returns its offenders as readable lines, so a
 * failing test lists them. Used by test/unit/house.test.ts.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { repoRoot } from './paths';

/** Longest a source file may be: past this, a file holds more than one idea. */
export const MAX_SOURCE_LINES = 400;

/** The catch-all code issue 12 retires: any use of it is an offender. */
export const RETIRED_ERROR_CODES: readonly string[] = ['CHAT_NOT_ALLOWED'];

/** One source file: its path relative to the repository root (with `/`) and its text. */
export interface SourceFile {
  readonly file: string;
  readonly text: string;
}

/** Every TypeScript file under `dir` (absolute), recursively. */
export function listSourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...listSourceFiles(full));
    else if (/\.(ts|tsx|mts|cts)$/.test(name)) out.push(full);
  }
  return out;
}

/** The TypeScript files under the given repository-relative folders, read. */
export function readSources(...folders: string[]): SourceFile[] {
  return folders.flatMap((folder) =>
    listSourceFiles(path.join(repoRoot, folder)).map((full) => ({
      file: path.relative(repoRoot, full).split(path.sep).join('/'),
      text: readFileSync(full, 'utf8'),
    })),
  );
}

/** Files longer than `max` lines, as `file: N lines`. */
export function longFiles(sources: readonly SourceFile[], max = MAX_SOURCE_LINES): string[] {
  return sources
    .map(({ file, text }) => ({ file, lines: text.split('\n').length - (text.endsWith('\n') ? 1 : 0) }))
    .filter((f) => f.lines > max)
    .map((f) => `${f.file}: ${f.lines} lines`);
}

const parse = (file: string, text: string): ts.SourceFile =>
  ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);

const where = (source: ts.SourceFile, node: ts.Node): string =>
  `${source.fileName}:${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}`;

/** SQL statement shapes (keywords in capitals, as this code base writes SQL). */
const SQL_SHAPE = new RegExp(
  [
    String.raw`\bSELECT\b[\s\S]*\bFROM\b`,
    String.raw`\bINSERT\s+(?:OR\s+[A-Z]+\s+)?INTO\b`,
    String.raw`\bUPDATE\s+\w+\s+SET\b`,
    String.raw`\bDELETE\s+FROM\b`,
    String.raw`\b(?:CREATE|DROP)\s+(?:UNIQUE\s+|TEMP\s+|VIRTUAL\s+)?(?:TABLE|INDEX|TRIGGER|VIEW)\b`,
    String.raw`\bALTER\s+TABLE\b`,
    String.raw`^\s*PRAGMA\s`,
    String.raw`^\s*(?:BEGIN(?:\s+(?:IMMEDIATE|DEFERRED|EXCLUSIVE))?|COMMIT|ROLLBACK|(?:SAVEPOINT|RELEASE)\s+\w+)\s*;?\s*$`,
  ].join('|'),
);

/** The text of a string, template or `+` chain of them; other operands read as `?`. */
function literalText(node: ts.Expression): string | null {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node)) return node.head.text + node.templateSpans.map((s) => ` ? ${s.literal.text}`).join('');
  if (ts.isParenthesizedExpression(node)) return literalText(node.expression);
  if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    const left = literalText(node.left);
    const right = literalText(node.right);
    return left === null && right === null ? null : `${left ?? ' ? '}${right ?? ' ? '}`;
  }
  return null;
}

/** Names bound in this file to a regular expression, whose `.exec(` is not SQL. */
function regexNames(source: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer) {
      const init = node.initializer;
      const isRegex =
        init.kind === ts.SyntaxKind.RegularExpressionLiteral ||
        (ts.isNewExpression(init) && ts.isIdentifier(init.expression) && init.expression.text === 'RegExp');
      if (isRegex) names.add(node.name.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return names;
}

/** Database calls that belong in the store: `.prepare(`, `.pragma(`, and `.exec(` on anything but a regex. */
const DB_CALLS = new Set(['prepare', 'exec', 'pragma']);

/**
 * SQL in one file: string literals in SQL shape and database calls, as
 * `file:line what`. Call it only for files outside `src/main/store`.
 */
export function sqlOffenders(file: string, text: string): string[] {
  const source = parse(file, text);
  const regexes = regexNames(source);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && DB_CALLS.has(node.expression.name.text)) {
      const receiver = node.expression.expression;
      const regex =
        receiver.kind === ts.SyntaxKind.RegularExpressionLiteral || (ts.isIdentifier(receiver) && regexes.has(receiver.text));
      if (!(node.expression.name.text === 'exec' && regex)) out.push(`${where(source, node)} .${node.expression.name.text}( call`);
    }
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateExpression(node) || ts.isBinaryExpression(node)) {
      const sql = literalText(node as ts.Expression);
      if (sql !== null && SQL_SHAPE.test(sql)) {
        out.push(`${where(source, node)} SQL ${JSON.stringify(sql.replace(/\s+/g, ' ').trim().slice(0, 60))}`);
        return; // one report per statement, not one per piece of a `+` chain
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/**
 * Every mention of a retired error code (a catch-all that meant several
 * things) in one file: the code in a `new …Error(…)`, a comparison or its
 * type union, as `CODE at file:line`.
 */
export function retiredCodeUses(file: string, text: string, retired: readonly string[] = RETIRED_ERROR_CODES): string[] {
  const source = parse(file, text);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) && retired.includes(node.text)) {
      out.push(`${node.text} at ${where(source, node)}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}
