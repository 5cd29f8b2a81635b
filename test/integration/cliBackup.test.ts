/**
 * Automatic backups from one-shot CLI commands: a profile used only through
 * `parley` commands (no `backup --now`, no daemon) is backed up by each
 * command that changed something, before it exits, so `recover` on a new
 * machine brings back its contacts and its history, not only the account.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { startTestRelay } from '../support/relayHarness';
import { createUser, eventually, profileDir, type TestUser } from '../support/chatHarness';
import { repoRoot } from '../support/paths';

const PASS = 'cli backup passphrase';
let relay: Awaited<ReturnType<typeof startTestRelay>>;
let app: TestUser;

function run(dir: string, args: string[], stdin = ''): Promise<{ code: number; out: Record<string, unknown>[]; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/parley.mjs'), '--data', dir, '--relay', relay.url, '--json', ...args], {
      env: { PATH: process.env['PATH'] ?? '', PARLEY_PASSPHRASE: PASS },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdin.end(stdin);
    child.on('close', (code) => resolve({ code: code ?? -1, out: out.trim() ? out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) : [], err }));
  });
}

beforeAll(async () => {
  relay = await startTestRelay();
  app = await createUser('Isolde Farrant', relay.url);
});

afterAll(async () => {
  await app?.messenger.close();
  await relay?.close();
});

describe('backups from one-shot CLI commands', () => {
  it('recovers the contacts and history of a profile only ever used through one-shot commands', async () => {
    const first = profileDir();
    const init = await run(first, ['init', '--name', 'Barnaby Quill']);
    expect(init.code).toBe(0);
    const phrase = String(init.out[0]!['phrase']);
    expect((await run(first, ['contact', 'add', app.messenger.account.invite(), '--name', 'Isolde'])).code).toBe(0);
    expect((await run(first, ['send', 'Isolde', 'Written from a script, backed up on exit'])).code).toBe(0);
    await eventually(() => app.inbox.find((m) => m.text === 'Written from a script, backed up on exit'));

    const restored = profileDir();
    const recovered = await run(restored, ['recover', '--name', 'New machine'], `${phrase}\n`);
    expect(recovered.code).toBe(0);
    expect(recovered.out[0]).toMatchObject({ backupFound: true });
    expect((await run(restored, ['contacts'])).out.map((c) => c['name'])).toEqual(['Isolde']);
    const history = await run(restored, ['history', 'Isolde', '--limit', '10']);
    expect(history.out.map((m) => m['text'])).toContain('Written from a script, backed up on exit');
  }, 120_000);
});
