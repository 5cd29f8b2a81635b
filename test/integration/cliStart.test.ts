/**
 * How `parley` starts: from the JavaScript compiled into out/node (the
 * vitest global setup builds it), `--version` without loading the core, and
 * one sentence instead of a crash when the build is missing.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { tempDir } from '../support/relayHarness';
import { repoRoot } from '../support/paths';

interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

function node(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

/** A module for `node --import` that appends every URL the ESM loader resolves to the file named by IMPORT_LOG. */
function importLogger(dir: string): string {
  const hooks = path.join(dir, 'hooks.mjs');
  writeFileSync(hooks, `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(process.env.IMPORT_LOG, r.url + '\\n');
  return r;
}
`);
  const register = path.join(dir, 'register.mjs');
  writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
  return register;
}

const version = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
const cli = path.join(repoRoot, 'bin/parley.mjs');

describe('parley start', () => {
  it('prints the package version for --version, as text or as one JSON object', async () => {
    expect(await node([cli, '--version'])).toEqual({ code: 0, out: `${version}\n`, err: '' });
    const json = await node([cli, '--json', '--version']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toEqual({ version });
  });

  it('answers --version from the compiled entry alone, loading no npm package and no chunk of the core', async () => {
    const dir = tempDir('parley-start-');
    const register = importLogger(dir);
    const versionLog = path.join(dir, 'version.log');
    expect((await node(['--import', pathToFileURL(register).href, cli, '--version'], { IMPORT_LOG: versionLog })).code).toBe(0);
    const loaded = readFileSync(versionLog, 'utf8').trim().split('\n');
    const ours = loaded.filter((url) => !url.startsWith('node:'));
    expect(ours.map((url) => path.relative(repoRoot, new URL(url).pathname)).sort()).toEqual(['bin/compiled.mjs', 'bin/parley.mjs', 'out/node/cli.mjs']);

    // The same logger sees the core arrive as soon as a command runs (here one that stops at the missing passphrase).
    const commandLog = path.join(dir, 'command.log');
    const refused = await node(['--import', pathToFileURL(register).href, cli, '--data', dir, '--json', 'contacts'], { IMPORT_LOG: commandLog });
    expect(JSON.parse(refused.err)).toMatchObject({ error: 'CLI_NO_PASSPHRASE' });
    const commandLoaded = readFileSync(commandLog, 'utf8');
    expect(commandLoaded).toMatch(/node_modules\/libsodium-wrappers-sumo\//);
    expect(commandLoaded).toMatch(/node_modules\/better-sqlite3-multiple-ciphers\//);
  });

  it('says in one sentence how to build when the compiled CLI or relay is missing, and exits 1', async () => {
    const checkout = tempDir('parley-unbuilt-');
    mkdirSync(path.join(checkout, 'bin'));
    for (const f of ['parley.mjs', 'parley-relay.mjs', 'compiled.mjs']) copyFileSync(path.join(repoRoot, 'bin', f), path.join(checkout, 'bin', f));

    const plain = await node([path.join(checkout, 'bin/parley.mjs'), '--version']);
    expect(plain).toMatchObject({ code: 1, out: '' });
    expect(plain.err).toBe(`parley is not built yet: run \`npm run build\` (or just \`npm run build:node\`) in ${checkout}.\n`);

    const json = await node([path.join(checkout, 'bin/parley.mjs'), '--data', checkout, '--json', 'contacts']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.err)).toEqual({ error: 'CLI_NOT_BUILT', message: expect.stringContaining('npm run build') });

    const relay = await node([path.join(checkout, 'bin/parley-relay.mjs'), '--port', '0']);
    expect(relay.code).toBe(1);
    expect(relay.err).toMatch(/^parley-relay is not built yet: run `npm run build`/);
  });
});
