import { describe, expect, it } from 'vitest';
import { addFileEdges, folderCycles, readFolderGraph, type FolderGraph } from '../support/folderGraph';
import { repoRoot } from '../support/paths';

describe('folder graph of src/main', () => {
  it('finds a cycle that two folders importing each other make', () => {
    const graph: FolderGraph = new Map();
    addFileEdges(graph, 'src/main/devices/a.ts', `import { x } from '../messenger/b';`);
    addFileEdges(graph, 'src/main/messenger/b.ts', `import type { y } from '../devices/a';`);
    expect(folderCycles(graph)).toEqual([['devices', 'messenger', 'devices']]);
  });

  it('ignores imports inside one folder and of shared code', () => {
    const graph: FolderGraph = new Map();
    addFileEdges(graph, 'src/main/store/a.ts', `import { x } from './b';\nimport { y } from '../../shared/constants';`);
    expect(folderCycles(graph)).toEqual([]);
    expect(graph.size).toBe(0);
  });

  it('has no cycle between the folders of src/main', () => {
    const graph = readFolderGraph(repoRoot);
    const cycles = folderCycles(graph).map((c) => `${c.join(' -> ')} (${c.slice(0, -1).map((f, i) => graph.get(f)!.get(c[i + 1]!)).join(', ')})`);
    expect(cycles).toEqual([]);
  });
});
