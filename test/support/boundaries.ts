/**
 * Runtime-boundary rules, checked over source text. Used by
 * test/unit/runtime-boundaries.test.ts (the ESLint config states the same).
 */
import { builtinModules } from 'node:module';
import path from 'node:path';

const NODE = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

export type Runtime = 'shell' | 'preload' | 'renderer' | 'shared' | 'relay' | 'cli' | 'core';

export function runtimeOf(relFile: string): Runtime | null {
  const f = relFile.split(path.sep).join('/');
  if (f.startsWith('src/main/shell/')) return 'shell';
  if (f.startsWith('src/main/')) return 'core';
  if (f.startsWith('src/preload/')) return 'preload';
  if (f.startsWith('src/renderer/')) return 'renderer';
  if (f.startsWith('src/shared/')) return 'shared';
  if (f.startsWith('src/relay/')) return 'relay';
  if (f.startsWith('src/cli/')) return 'cli';
  return null;
}

/** Which runtimes' files each runtime may import (relative imports). */
const MAY_IMPORT: Record<Runtime, readonly Runtime[]> = {
  shell: ['shell', 'core', 'shared', 'relay'],
  core: ['core', 'shared', 'relay'],
  preload: ['preload', 'shared'],
  renderer: ['renderer', 'shared'],
  shared: ['shared'],
  relay: ['relay', 'shared'],
  cli: ['cli', 'core', 'shared', 'relay'],
};

const IMPORT_RE = /(?:import|export)\s+(?:type\s+)?(?:[^'"`;]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;

export function importsOf(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(IMPORT_RE)) out.push((m[1] ?? m[2] ?? m[3])!);
  return out;
}

export interface Violation {
  readonly file: string;
  readonly specifier: string;
  readonly reason: string;
}

export function checkFile(relFile: string, source: string): Violation[] {
  const runtime = runtimeOf(relFile);
  if (runtime === null) return [];
  const violations: Violation[] = [];
  for (const spec of importsOf(source)) {
    const v = (reason: string) => violations.push({ file: relFile, specifier: spec, reason });
    if (spec === 'electron' || spec.startsWith('electron/')) {
      if (runtime !== 'shell' && runtime !== 'preload') v(`${runtime} code must not import electron`);
      continue;
    }
    if (NODE.has(spec) || NODE.has(spec.split('/')[0]!)) {
      if (runtime === 'renderer' || runtime === 'shared' || runtime === 'preload') v(`${runtime} code must not import Node's ${spec}`);
      continue;
    }
    if (spec.startsWith('.')) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(relFile.split(path.sep).join('/')), spec));
      const targetRuntime = runtimeOf(`${target}/`) ?? runtimeOf(target);
      if (targetRuntime === null) {
        if (!target.startsWith('src/')) v(`${runtime} code imports outside src/`);
        continue;
      }
      if (!MAY_IMPORT[runtime].includes(targetRuntime)) v(`${runtime} code must not import ${targetRuntime} code`);
    }
  }
  return violations;
}

const SQL_CALL_RE = /\.(prepare|exec|pragma)\s*\(/g;
const STRING_RE = /'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`/g;
const SQL_WORDS_RE = /\b(SELECT\s+[\w*(]|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(TABLE|INDEX|TRIGGER|VIRTUAL)|DROP\s+TABLE|ALTER\s+TABLE|PRAGMA\s|BEGIN(\s+IMMEDIATE|\s+EXCLUSIVE)?\s*$|COMMIT\s*$|ROLLBACK\b|SAVEPOINT\s)/m;

/** Where SQL appears in a file that is not in src/main/store: a statement call (`.prepare(`, `.exec(`, `.pragma(`) or SQL in a string literal. */
export function sqlOutsideStore(relFile: string, source: string): Violation[] {
  const f = relFile.split(path.sep).join('/');
  if (!f.startsWith('src/main/') || f.startsWith('src/main/store/')) return [];
  const out: Violation[] = [];
  for (const m of source.matchAll(SQL_CALL_RE)) out.push({ file: f, specifier: m[0], reason: `.${m[1]}( outside src/main/store` });
  for (const m of source.matchAll(STRING_RE)) {
    const body = m[0].slice(1, -1);
    if (SQL_WORDS_RE.test(body)) out.push({ file: f, specifier: body.slice(0, 60), reason: 'SQL in a string literal outside src/main/store' });
  }
  return out;
}

/** The house limit on a source file's length (review rule: a longer file hides its plan). */
export const FILE_MAX_LINES = 400;

/** `file: N lines` for every file longer than FILE_MAX_LINES (a trailing newline does not count as a line). */
export function oversizedFiles(files: readonly { file: string; source: string }[]): string[] {
  return files
    .map(({ file, source }) => ({ file, lines: source.replace(/\n$/, '').split('\n').length }))
    .filter((f) => f.lines > FILE_MAX_LINES)
    .map((f) => `${f.file}: ${f.lines} lines`);
}
