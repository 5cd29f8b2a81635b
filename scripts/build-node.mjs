#!/usr/bin/env node
// `npm run build:node` (also run by `npm run build`, `npm install`/`npm ci`
// through `prepare`, `npm test` and the vitest global setup): compiles the
// CLI and the relay to JavaScript in out/node, so `parley` and
// `parley-relay` start without compiling TypeScript at run time.
//
// One esbuild bundle of our own code per entry (cli.mjs, relay.mjs); every
// npm package, the native SQLite addon among them, stays an external import
// resolved from node_modules. Code splitting keeps dynamic imports lazy:
// `parley --version` loads the entry alone, and the CLI's core (libsodium,
// SQLite, the relay client) is a chunk it imports only for a command.
//
// Safe while a CLI or relay built earlier is starting: every file is written
// to a temporary name and renamed into place, chunks (content-hashed names)
// before the entries that import them, and a chunk is deleted only once two
// builds in a row no longer reference it. Silent on success.
import { build } from 'esbuild';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'out/node');
const chunksDir = path.join(outDir, 'chunks');
const manifestFile = path.join(outDir, 'manifest.json');

/** Writes `contents` to `file` unless it already holds exactly that, atomically (temp file + rename). */
function writeAtomic(file, contents) {
  if (existsSync(file) && Buffer.compare(readFileSync(file), contents) === 0) return;
  mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, contents);
  renameSync(temp, file);
}

function previousOutputs() {
  try {
    return JSON.parse(readFileSync(manifestFile, 'utf8')).files;
  } catch (e) {
    // No manifest yet (first build) or an unreadable one: nothing to keep beyond this build.
    if (e.code !== 'ENOENT') console.error(`build-node: ignoring ${path.relative(root, manifestFile)} (${e.message})`);
    return [];
  }
}

const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

const result = await build({
  absWorkingDir: root,
  entryPoints: { cli: 'src/cli/main.ts', relay: 'src/relay/main.ts' },
  outdir: outDir,
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  tsconfig: 'tsconfig.node.json',
  legalComments: 'none',
  // `parley --version` (src/cli/version.ts), inlined so it needs no file read.
  define: { PARLEY_VERSION: JSON.stringify(version) },
  logLevel: 'warning',
  write: false,
});

const files = result.outputFiles.map((f) => ({ rel: path.relative(outDir, f.path), contents: f.contents }));
const isChunk = (rel) => rel.startsWith(`chunks${path.sep}`);
for (const f of [...files.filter((f) => isChunk(f.rel)), ...files.filter((f) => !isChunk(f.rel))]) {
  writeAtomic(path.join(outDir, f.rel), f.contents);
}

const current = files.map((f) => f.rel);
const keep = new Set([...current, ...previousOutputs()]);
for (const name of existsSync(chunksDir) ? readdirSync(chunksDir) : []) {
  const rel = path.join('chunks', name);
  if (!keep.has(rel)) rmSync(path.join(chunksDir, name), { force: true });
}
writeAtomic(manifestFile, Buffer.from(`${JSON.stringify({ files: current }, null, 1)}\n`));
