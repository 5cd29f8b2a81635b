/**
 * The folder-level import graph of src/main: which top-level folder's files
 * import which other folder's files. Used by test/unit/folder-graph.test.ts.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { importsOf } from './boundaries';

/** Edges between folders, each with one importing file as the witness. */
export type FolderGraph = Map<string, Map<string, string>>;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...sourceFiles(full));
    else if (/\.(ts|tsx)$/.test(name)) out.push(full);
  }
  return out;
}

/** The folder of `src/main` a repo-relative path sits in (null outside a folder of src/main). */
export function folderOf(relFile: string): string | null {
  const m = /^src\/main\/([^/]+)\//.exec(relFile.split(path.sep).join('/'));
  return m ? m[1]! : null;
}

/** Adds the edges one file's relative imports make. */
export function addFileEdges(graph: FolderGraph, relFile: string, source: string): void {
  const from = folderOf(relFile);
  if (!from) return;
  for (const spec of importsOf(source)) {
    if (!spec.startsWith('.')) continue;
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(relFile.split(path.sep).join('/')), spec));
    const to = folderOf(`${target}/`);
    if (!to || to === from) continue;
    const edges = graph.get(from) ?? new Map<string, string>();
    if (!edges.has(to)) edges.set(to, relFile);
    graph.set(from, edges);
  }
}

/** Reads every file under `<root>/src/main` into a folder graph. */
export function readFolderGraph(root: string): FolderGraph {
  const graph: FolderGraph = new Map();
  for (const file of sourceFiles(path.join(root, 'src/main'))) addFileEdges(graph, path.relative(root, file), readFileSync(file, 'utf8'));
  return graph;
}

/** Every cycle found by a depth-first walk, each as the list of folders (first repeated at the end). */
export function folderCycles(graph: FolderGraph): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): void => {
    state.set(n, 'open');
    stack.push(n);
    for (const next of graph.get(n)?.keys() ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of [...graph.keys()].sort()) if (!state.has(n)) visit(n);
  return cycles;
}
