/**
 * The `parley` CLI's multi-device commands as a user runs them (child
 * processes of bin/parley.mjs) against a real relay on loopback: link a
 * second CLI device by code, list and revoke devices, back up, recover the
 * same account from the phrase on stdin, and send a file to an app user.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startTestRelay } from '../support/relayHarness';
import { createUser, eventually, profileDir, type TestUser } from '../support/chatHarness';
import { repoRoot } from '../support/paths';

const PASS = 'cli devices passphrase';
let relay: Awaited<ReturnType<typeof startTestRelay>>;
let app: TestUser;
const first = profileDir();
const second = profileDir();
const restored = profileDir();
let phrase = '';
let invite = '';

function start(dir: string, args: string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [path.join(repoRoot, 'bin/parley.mjs'), '--data', dir, '--relay', relay.url, '--json', ...args], {
    env: { PATH: process.env['PATH'] ?? '', PARLEY_PASSPHRASE: PASS },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

function run(dir: string, args: string[], stdin = ''): Promise<{ code: number; out: Record<string, unknown>[]; err: string }> {
  return new Promise((resolve) => {
    const child = start(dir, args);
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
  app = await createUser('Petronella Vance', relay.url);
  const init = await run(first, ['init', '--name', 'Quentin Marlowe']);
  expect(init.code).toBe(0);
  phrase = String(init.out[0]!['phrase']);
  invite = String(init.out[0]!['invite']);
  expect((await run(first, ['contact', 'add', app.messenger.account.invite(), '--name', 'Petronella'])).code).toBe(0);
});

afterAll(async () => {
  await app?.messenger.close();
  await relay?.close();
});

describe('the parley CLI with several devices', () => {
  it('links a second device: link --show prints a code and QR, link --accept links it and prints the short code, the new device links once given that code, and both list two devices', async () => {
    const shower = start(second, ['link', '--show', '--name', 'Build server']);
    let out = '';
    let err = '';
    shower.stdout.on('data', (d: Buffer) => (out += d.toString()));
    shower.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number>((resolve) => shower.on('close', (c) => resolve(c ?? -1)));
    const link = await eventually(() => (out.includes('\n') ? String((JSON.parse(out.split('\n')[0]!) as { link: string }).link) : ''), 15_000);
    expect(link).toMatch(/^parleylink1/u);
    await eventually(() => err.includes('█') || err.includes('▀'), 5_000);
    const accepted = await run(first, ['link', '--accept', link, '--history-days', 'all']);
    expect(accepted.code).toBe(0);
    const check = accepted.out[0]!['check'] as { shortCode: string; accountName: string };
    expect(check).toMatchObject({ deviceName: 'Build server', accountName: 'Quentin Marlowe', shortCode: expect.stringMatching(/^\d{4} \d{4}$/u) });
    expect(accepted.out[1]).toMatchObject({ linked: { name: 'Build server' } });
    // The new device shows the account and the same code, and waits for the person who compared them.
    const lines = () => out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    await eventually(() => lines().some((l) => l['check']), 15_000);
    expect(lines().find((l) => l['check'])!['check']).toMatchObject({ accountName: 'Quentin Marlowe', shortCode: check.shortCode });
    shower.stdin.end(`${check.shortCode}\n`);
    expect(await exited).toBe(0);
    expect(lines().at(-1)).toMatchObject({ linked: true });
    const devices = await run(first, ['devices']);
    expect(devices.out).toHaveLength(2);
    expect(devices.out.find((d) => d['thisDevice'] === false)).toMatchObject({ name: 'Build server' });
    expect((await run(second, ['contacts'])).out.map((c) => c['name'])).toEqual(['Petronella']);
  });

  it('sends a file that the app user receives as an attachment', async () => {
    const file = path.join(profileDir(), 'notes.txt');
    writeFileSync(file, 'field notes, page one');
    const sent = await run(first, ['send', 'Petronella', '--file', file]);
    expect(sent.code).toBe(0);
    const id = String(sent.out[0]!['id']);
    await eventually(() => app.messenger.store.messages.get(id));
    await eventually(() => app.messenger.store.attachments.forMessage(id)[0]?.localPath);
    expect(app.messenger.store.attachments.forMessage(id)[0]).toMatchObject({ fileName: 'notes.txt', contentType: 'text/plain' });
  });

  it('revokes the second device by id', async () => {
    const devices = (await run(first, ['devices'])).out;
    const other = devices.find((d) => d['thisDevice'] === false)!;
    const revoked = await run(first, ['revoke', String(other['id'])]);
    expect(revoked.code).toBe(0);
    expect((await run(first, ['devices'])).out).toHaveLength(1);
    expect((await run(first, ['revoke', 'not-a-device'])).code).toBe(2);
  });

  it('backs up now and recovers the same account from the phrase on stdin', async () => {
    const backup = await run(first, ['backup', '--now']);
    expect(backup.code).toBe(0);
    expect(typeof backup.out[0]!['backedUpAt']).toBe('number');
    const recovered = await run(restored, ['recover', '--name', 'Replacement laptop'], `${phrase}\n`);
    expect(recovered.code).toBe(0);
    expect(recovered.out[0]).toMatchObject({ invite, backupFound: true });
    expect((await run(restored, ['contacts'])).out.map((c) => c['name'])).toEqual(['Petronella']);
  });

  it('refuses a bad phrase with a typed error on stderr and no stack trace', async () => {
    const bad = await run(profileDir(), ['recover'], 'abandon abandon abandon\n');
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.err.trim())).toMatchObject({ error: 'PHRASE_WORD_COUNT' });
    expect(bad.err).not.toMatch(/at .*\.ts:\d+/u);
  });
});
