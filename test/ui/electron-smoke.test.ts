/**
 * Launches the real Electron app when the binary is present. On machines
 * installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1 it is reported as skipped.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { _electron } from 'playwright-core';
// @ts-expect-error — plain .mjs helper shared with scripts/start.mjs
import { MISSING_ELECTRON_SENTENCE, electronBinary } from '../../scripts/electron-env.mjs';
import { repoRoot, screenshotsDir } from '../support/paths';

const binary = (electronBinary as () => string | null)();
if (!binary) console.log('Electron smoke test skipped: the Electron binary is not installed on this machine.');

describe('the Electron app', () => {
  it.skipIf(!binary)('opens a sandboxed window that shows the app shell', async () => {
    const app = await _electron.launch({ executablePath: binary!, args: [repoRoot], cwd: repoRoot });
    try {
      const win = await app.firstWindow();
      await win.getByRole('heading', { name: 'Parley' }).waitFor();
      expect(await win.evaluate(() => typeof (window as unknown as { require?: unknown }).require)).toBe('undefined');
      expect(await win.evaluate(() => Object.keys((window as unknown as { parley: object }).parley).length)).toBeGreaterThan(0);
      await win.screenshot({ path: path.join(screenshotsDir, 'electron-shell.png') });
    } finally {
      await app.close();
    }
  });

  it.skipIf(Boolean(binary))('`npm start` without the binary prints one sentence on how to get it, not a stack trace', () => {
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'scripts/start.mjs')], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(MISSING_ELECTRON_SENTENCE);
    expect(r.stdout.trim()).toBe('');
  });
});
