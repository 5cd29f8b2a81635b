#!/usr/bin/env node
// The test path runs on Node's ABI. If node_modules' copy of the SQLite addon
// was rebuilt for another runtime (say by a manual electron-rebuild), rebuild
// it for Node; the Electron copy lives in .electron-native/ and is untouched.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
try {
  const Database = require('better-sqlite3-multiple-ciphers');
  new Database(':memory:').close();
} catch (e) {
  const text = String(e && e.message);
  console.log(`The SQLite addon does not load under Node ${process.version} (${text.split('\n')[0]}); rebuilding it for Node…`);
  const r = spawnSync('npm', ['rebuild', 'better-sqlite3-multiple-ciphers'], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
