import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { checkFile } from '../support/boundaries';
import { listSourceFiles } from '../support/house';
import { repoRoot } from '../support/paths';

describe('runtime boundaries', () => {
  it('flags a renderer file that imports Node, Electron or main code', () => {
    const v = checkFile(
      'src/renderer/src/x.tsx',
      `import fs from 'node:fs';\nimport { ipcRenderer } from 'electron';\nimport { createCore } from '../../main/core';\nconst p = require('path');`,
    );
    expect(v.map((x) => x.specifier)).toEqual(['node:fs', 'electron', '../../main/core', 'path']);
  });

  it('flags electron in core, relay or CLI code, and Node in shared code', () => {
    expect(checkFile('src/main/store/db.ts', `import { app } from 'electron';`)).toHaveLength(1);
    expect(checkFile('src/relay/server.ts', `import type { App } from 'electron';`)).toHaveLength(1);
    expect(checkFile('src/cli/main.ts', `const e = await import('electron');`)).toHaveLength(1);
    expect(checkFile('src/shared/x.ts', `import { Buffer } from 'node:buffer';`)).toHaveLength(1);
    expect(checkFile('src/relay/x.ts', `import { x } from '../main/protocol/x';`)).toHaveLength(1);
  });

  it('allows the shell and preload to import electron, and core to import Node', () => {
    expect(checkFile('src/main/shell/index.ts', `import { app } from 'electron';`)).toEqual([]);
    expect(checkFile('src/preload/index.ts', `import { contextBridge } from 'electron';`)).toEqual([]);
    expect(checkFile('src/main/store/db.ts', `import fs from 'node:fs';\nimport { x } from '../../shared/x';`)).toEqual([]);
  });

  it('holds for every file under src/', () => {
    const root = path.join(repoRoot, 'src');
    const violations = listSourceFiles(root).flatMap((file) =>
      checkFile(path.relative(repoRoot, file), readFileSync(file, 'utf8')),
    );
    expect(violations).toEqual([]);
  });
});
