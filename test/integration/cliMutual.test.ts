/**
 * The flows that lost messages, run as a user runs them: two `parley` CLI
 * profiles (child processes) on a real relay. Both add each other, then
 * write; both write before either receives; one writes three times before
 * it has processed the other's profile message. Every message arrives.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { startTestRelay } from '../support/relayHarness';
import { profileDir } from '../support/chatHarness';
import { repoRoot } from '../support/paths';

const PASS = 'cli passphrase for tests';
let relay: Awaited<ReturnType<typeof startTestRelay>>;

type Line = Record<string, unknown>;
function parley(dir: string, args: string[]): Promise<{ code: number; out: Line[]; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/parley.mjs'), '--data', dir, '--relay', relay.url, '--json', ...args], {
      env: { PATH: process.env['PATH'] ?? '', PARLEY_PASSPHRASE: PASS },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, out: out.trim() ? out.trim().split('\n').map((l) => JSON.parse(l) as Line) : [], err }));
  });
}

async function person(name: string): Promise<{ dir: string; invite: string }> {
  const dir = profileDir();
  const r = await parley(dir, ['init', '--name', name]);
  expect(r.code, r.err).toBe(0);
  return { dir, invite: (r.out[0] as { invite: string }).invite };
}

/** Runs `receive` until the texts expected have all shown up (each run waits a few seconds for more). */
async function receiveUntil(dir: string, texts: readonly string[]): Promise<Line[]> {
  const got: Line[] = [];
  for (let i = 0; i < 6 && !texts.every((t) => got.some((l) => l['text'] === t)); i++) {
    const r = await parley(dir, ['receive', '--timeout', '2']);
    expect(r.code, r.err).toBe(0);
    got.push(...r.out);
  }
  return got;
}

beforeAll(async () => {
  relay = await startTestRelay();
});

afterAll(async () => {
  await relay?.close();
});

describe('the CLI flows that used to lose messages', () => {
  it('delivers the first message after both added each other, and the sender sees it delivered', async () => {
    const ann = await person('Ann');
    const ben = await person('Ben');
    expect((await parley(ann.dir, ['contact', 'add', ben.invite, '--name', 'Ben'])).code).toBe(0);
    expect((await parley(ben.dir, ['contact', 'add', ann.invite, '--name', 'Ann'])).code).toBe(0);
    const sent = await parley(ann.dir, ['send', 'Ben', 'hello after a mutual add']);
    const id = (sent.out[0] as { id: string }).id;
    const got = await receiveUntil(ben.dir, ['hello after a mutual add']);
    expect(got.filter((l) => l['text'] === 'hello after a mutual add')).toEqual([expect.objectContaining({ type: 'text', id })]);
    expect(got.some((l) => l['type'] === 'undecryptable')).toBe(false);
    let state = '';
    for (let i = 0; i < 5 && state !== 'delivered'; i++) {
      await parley(ann.dir, ['receive', '--timeout', '1']);
      state = ((await parley(ann.dir, ['history', 'Ben'])).out.find((l) => l['id'] === id)?.['state'] as string) ?? '';
    }
    expect(state).toBe('delivered');
  }, 120_000);

  it('delivers both sides when both write before either receives', async () => {
    const ann = await person('Ann');
    const ben = await person('Ben');
    await parley(ann.dir, ['contact', 'add', ben.invite, '--name', 'Ben']);
    await parley(ben.dir, ['contact', 'add', ann.invite, '--name', 'Ann']);
    await Promise.all([parley(ann.dir, ['send', 'Ben', 'from ann first']), parley(ben.dir, ['send', 'Ann', 'from ben first'])]);
    const [atBen, atAnn] = await Promise.all([receiveUntil(ben.dir, ['from ann first']), receiveUntil(ann.dir, ['from ben first'])]);
    expect(atBen.map((l) => l['text'])).toContain('from ann first');
    expect(atAnn.map((l) => l['text'])).toContain('from ben first');
  }, 120_000);

  it('delivers three messages sent before the other side processed our profile', async () => {
    const ann = await person('Ann');
    const ben = await person('Ben');
    await parley(ann.dir, ['contact', 'add', ben.invite, '--name', 'Ben']);
    // Ben adds Ann without ever receiving Ann's profile message, then writes three times.
    await parley(ben.dir, ['contact', 'add', ann.invite, '--name', 'Ann']);
    for (const t of ['one', 'two', 'three']) expect((await parley(ben.dir, ['send', 'Ann', t])).code).toBe(0);
    const atAnn = await receiveUntil(ann.dir, ['one', 'two', 'three']);
    expect(atAnn.filter((l) => l['type'] === 'text').map((l) => l['text'])).toEqual(['one', 'two', 'three']);
    const history = (await parley(ann.dir, ['history', 'Ben'])).out;
    expect(history.filter((l) => l['type'] === 'undecryptable')).toEqual([]);
  }, 120_000);
});
