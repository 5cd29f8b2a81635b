/**
 * The electron-builder configuration, loaded and schema-checked by
 * electron-builder's own code (offline: no Electron download), then pinned
 * where it matters for security: fuses, asar, the unpacked native addon and
 * the targets. `npm run dist` itself needs internet and is not run here.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Configuration } from 'electron-builder';
import { repoRoot } from '../../support/paths';

// app-builder-lib, and the minimatch it matches file patterns with, as electron-builder resolves them.
const builderRequire = createRequire(createRequire(import.meta.url).resolve('electron-builder'));
const libRequire = createRequire(builderRequire.resolve('app-builder-lib'));
const { getConfig, validateConfiguration } = builderRequire('app-builder-lib/out/util/config/config.js') as {
  getConfig(projectDir: string, configPath: string | null, fromOptions: null): Promise<Configuration>;
  validateConfiguration(config: Configuration, logger: unknown): Promise<void>;
};
const { DebugLogger } = builderRequire('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
const { minimatch: match } = libRequire('minimatch') as {
  minimatch(file: string, pattern: string, options: { dot: boolean }): boolean;
};
/** As app-builder-lib's FileMatcher matches (`{ dot: true }`). */
const minimatch = (file: string, pattern: string) => match(file, pattern, { dot: true });

const CONFIG_FILE = 'electron-builder.yml';

function targetNames(target: unknown): string[] {
  const list = Array.isArray(target) ? target : [target];
  return list.map((t) => (typeof t === 'string' ? t : (t as { target: string }).target));
}

describe('the electron-builder configuration', () => {
  let config: Configuration;

  beforeAll(async () => {
    config = await getConfig(repoRoot, CONFIG_FILE, null);
  });

  it("passes electron-builder's own schema validation", async () => {
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
  });

  it('is a configuration the validator would reject if a fuse name were misspelled', async () => {
    const misspelt = { ...config, electronFuses: { ...config.electronFuses, runAsNod: false } } as Configuration;
    await expect(validateConfiguration(misspelt, new DebugLogger(false))).rejects.toThrow(/electronFuses/);
  });

  it('flips every fuse the hardening needs', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
      enableCookieEncryption: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('packs the app into asar and unpacks only the native SQLite addon', () => {
    expect(config.asar).toBe(true);
    const unpack = [config.asarUnpack ?? []].flat();
    expect(unpack.length).toBeGreaterThan(0);
    const addon = 'node_modules/better-sqlite3-multiple-ciphers/build/Release/better_sqlite3.node';
    expect(unpack.some((pattern) => minimatch(addon, pattern)), 'the addon matches asarUnpack').toBe(true);
    for (const packed of ['out/main/index.js', 'out/preload/index.cjs', 'out/renderer/index.html', 'package.json']) {
      expect(unpack.some((pattern) => minimatch(packed, pattern)), packed).toBe(false);
    }
  });

  it('builds AppImage and deb on Linux, dmg on macOS and nsis on Windows', () => {
    expect(targetNames(config.linux?.target).sort()).toEqual(['AppImage', 'deb']);
    expect(targetNames(config.mac?.target)).toEqual(['dmg']);
    expect(targetNames(config.win?.target)).toEqual(['nsis']);
  });

  it('ships the built app and the window icon, not the sources', () => {
    // electron-builder's loader normalises the list into one { filter } set.
    const files = [config.files ?? []].flat().flatMap((f) => (typeof f === 'string' ? [f] : [(f as { filter?: string | string[] }).filter ?? []].flat()));
    expect(files).toEqual(expect.arrayContaining(['out/**', 'resources/**', 'package.json']));
    expect(files.some((f) => f.startsWith('src') || f === '**/*')).toBe(false);
    expect(existsSync(path.join(repoRoot, 'resources/icon.png'))).toBe(true);
  });

  it('has an npm run dist that builds first and never publishes', () => {
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    expect(pkg.scripts['dist']).toMatch(/^electron-vite build && electron-builder --config electron-builder\.yml --publish never$/);
    expect(pkg.devDependencies).toHaveProperty('electron-builder');
  });
});
