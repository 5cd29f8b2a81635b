// Shared by scripts/start.mjs and the Electron smoke test: where the Electron
// binary is (or why it is missing), and where the Electron-ABI build of the
// native SQLite addon lives.
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(repoRoot, 'package.json'));

/** Path of the Electron executable, or null when the binary was never downloaded. */
export function electronBinary() {
  try {
    const p = require('electron');
    return typeof p === 'string' && existsSync(p) ? p : null;
  } catch {
    return null;
  }
}

export function electronVersion() {
  return JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version;
}

/** The Electron-ABI build of better-sqlite3-multiple-ciphers, kept apart from Node's. */
export function electronNativeDir(version = electronVersion()) {
  return path.join(repoRoot, '.electron-native', `electron-${version}`);
}

export function electronSqliteBinding(version = electronVersion()) {
  return path.join(
    electronNativeDir(version),
    'node_modules/better-sqlite3-multiple-ciphers/build/Release/better_sqlite3.node',
  );
}

export const MISSING_ELECTRON_SENTENCE =
  'Parley needs the Electron binary, which is not installed here: on a machine with internet access run `npm install` (without ELECTRON_SKIP_BINARY_DOWNLOAD), then `npm start` again.';
