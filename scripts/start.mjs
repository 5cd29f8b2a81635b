#!/usr/bin/env node
// `npm start` / `npm run dev`: checks for the Electron binary, builds the
// Electron-ABI copy of the native SQLite addon (Node's copy in node_modules
// stays untouched for the tests), builds the app and launches it.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  MISSING_ELECTRON_SENTENCE,
  electronBinary,
  electronNativeDir,
  electronSqliteBinding,
  electronVersion,
  repoRoot,
} from './electron-env.mjs';

const dev = process.argv.includes('--dev');
const binary = electronBinary();
if (!binary) {
  console.error(MISSING_ELECTRON_SENTENCE);
  process.exit(1);
}

const version = electronVersion();
const binding = electronSqliteBinding(version);
if (!existsSync(binding)) {
  console.log(`Building the SQLite addon for Electron ${version} (once; takes a few minutes)…`);
  const dir = electronNativeDir(version);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
  cpSync(
    path.join(repoRoot, 'node_modules/better-sqlite3-multiple-ciphers'),
    path.join(dir, 'node_modules/better-sqlite3-multiple-ciphers'),
    { recursive: true, filter: (src) => !src.includes(`${path.sep}build${path.sep}`) },
  );
  writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: 'parley-electron-native', private: true, dependencies: { 'better-sqlite3-multiple-ciphers': '*' } }),
  );
  const { rebuild } = await import('@electron/rebuild');
  await rebuild({ buildPath: dir, electronVersion: version, onlyModules: ['better-sqlite3-multiple-ciphers'], force: true });
  if (!existsSync(binding)) {
    console.error('Building the SQLite addon for Electron failed; see the output above.');
    process.exit(1);
  }
}

const env = { ...process.env, PARLEY_SQLITE_BINDING: binding };
const run = (cmd, args) => spawnSync(cmd, args, { cwd: repoRoot, stdio: 'inherit', env });
const bin = (name) => path.join(repoRoot, 'node_modules/.bin', name);

if (dev) {
  const child = spawn(bin('electron-vite'), ['dev'], { cwd: repoRoot, stdio: 'inherit', env });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  const built = run(bin('electron-vite'), ['build']);
  if (built.status !== 0) process.exit(built.status ?? 1);
  const child = spawn(binary, [repoRoot], { cwd: repoRoot, stdio: 'inherit', env });
  child.on('exit', (code) => process.exit(code ?? 0));
}
