// Shared by bin/parley.mjs and bin/parley-relay.mjs: imports an entry of
// out/node, or explains in one sentence how to build it and exits 1 (with
// --json, as the CLI's error object {"error":"CLI_NOT_BUILT","message":…}).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Imports out/node/<entry>, which runs the program; `name` is the command in the message. */
export async function runCompiled(entry, name) {
  const file = path.join(root, 'out/node', entry);
  if (!existsSync(file)) {
    const message = `${name} is not built yet: run \`npm run build\` (or just \`npm run build:node\`) in ${root}.`;
    console.error(process.argv.includes('--json') ? JSON.stringify({ error: 'CLI_NOT_BUILT', message }) : message);
    process.exit(1);
  }
  await import(pathToFileURL(file).href);
}
