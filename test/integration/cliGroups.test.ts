/**
 * Groups from scripts: three `parley` CLI users (child processes, --json) on
 * a real relay. Ann creates a group with Ben and Cat (who are not each
 * other's contacts), everyone sends to it, `receive` lines name the group
 * (and `"group":null` for 1:1), `history --group` prints it, a member is
 * removed by the name they chose, and another leaves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRelay } from '../support/relayHarness';
import { profileDir } from '../support/chatHarness';
import { runParley, type CliLine } from '../support/cliProcess';

let relay: Awaited<ReturnType<typeof startTestRelay>>;
const ann = { dir: '', invite: '' };
const ben = { dir: '', invite: '' };
const cat = { dir: '', invite: '' };

async function parley(who: { dir: string }, args: string[]): Promise<CliLine[]> {
  const r = await runParley(who.dir, relay.url, args);
  expect(r.code, r.err).toBe(0);
  return r.out;
}

async function receiveUntil(who: { dir: string }, done: (lines: CliLine[]) => boolean): Promise<CliLine[]> {
  const got: CliLine[] = [];
  for (let i = 0; i < 8 && !done(got); i++) got.push(...(await parley(who, ['receive', '--timeout', '1'])));
  return got;
}

const texts = (lines: CliLine[]) => lines.filter((l) => l['type'] === 'text');

beforeAll(async () => {
  relay = await startTestRelay();
  for (const u of [ann, ben, cat]) u.dir = profileDir();
  const [a, b, c] = await Promise.all([parley(ann, ['init', '--name', 'Ann']), parley(ben, ['init', '--name', 'Ben']), parley(cat, ['init', '--name', 'Cat'])]);
  ann.invite = a[0]!['invite'] as string;
  ben.invite = b[0]!['invite'] as string;
  cat.invite = c[0]!['invite'] as string;
  await parley(ann, ['contact', 'add', ben.invite, '--name', 'Ben']);
  await parley(ann, ['contact', 'add', cat.invite, '--name', 'Cat']);
  await parley(ben, ['contact', 'add', ann.invite, '--name', 'Ann']);
  await parley(cat, ['contact', 'add', ann.invite, '--name', 'Ann']);
}, 90_000);

afterAll(async () => {
  await relay?.close();
});

// Each step is several CLI processes; on a loaded machine one process can take seconds.
describe('groups from scripts', { timeout: 400_000 }, () => {
  let id = '';

  it('creates a group and prints it, and each member lists it', async () => {
    const [line] = await parley(ann, ['group', 'create', 'Crew', '--members', 'Ben,Cat']);
    expect(line).toEqual({ group: { id: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/u), name: 'Crew', members: ['Ann', 'Ben', 'Cat'] } });
    id = (line!['group'] as { id: string }).id;
    await parley(ben, ['receive', '--timeout', '2']);
    expect(await parley(ben, ['groups'])).toEqual([{ id, name: 'Crew', members: ['Ann', 'Ben', 'Cat'], keyChanged: [], role: 'member' }]);
  });

  it('sends to the group; receive names the group and the sender, and 1:1 lines say group null', async () => {
    const [sent] = await parley(ann, ['send', '--group', 'Crew', 'hello crew']);
    expect(sent).toEqual({ id: expect.any(String) });
    await parley(ann, ['send', 'Ben', 'just you']);
    const got = texts(await receiveUntil(ben, (l) => texts(l).length >= 2));
    expect(got).toEqual(expect.arrayContaining([
      { type: 'text', from: 'Ann', text: 'hello crew', id: sent!['id'], sentAt: expect.any(Number), replyTo: null, group: 'Crew' },
      expect.objectContaining({ from: 'Ann', text: 'just you', group: null }),
    ]));
    await receiveUntil(cat, (l) => texts(l).length >= 1);
    await parley(cat, ['send', '--group', 'Crew', 'hi from Cat']);
    const fromCat = texts(await receiveUntil(ben, (l) => texts(l).length >= 1));
    expect(fromCat[0]).toMatchObject({ from: 'Cat', text: 'hi from Cat', group: 'Crew' });
  });

  it('prints the group history', async () => {
    const lines = await parley(ben, ['history', '--group', 'Crew', '--limit', '10']);
    expect(lines.map((l) => [l['from'], l['text'], l['group']])).toEqual([['Ann', 'hello crew', 'Crew'], ['Cat', 'hi from Cat', 'Crew']]);
  });

  it('removes a member named by the name they chose, and a member leaves', async () => {
    await parley(ann, ['receive', '--timeout', '1']);
    const [after] = await parley(ann, ['group', 'remove', 'Crew', 'Cat']);
    expect(after).toEqual({ group: { id, name: 'Crew', members: ['Ann', 'Ben'] } });
    await parley(ben, ['receive', '--timeout', '2']);
    const [left] = await parley(ben, ['group', 'leave', 'Crew']);
    expect(left).toEqual({ left: { id, name: 'Crew' } });
    expect(await parley(ben, ['groups'])).toEqual([]);
    const r = await runParley(ben.dir, relay.url, ['send', '--group', 'Crew', 'gone']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.err.trim().split('\n').at(-1)!)).toMatchObject({ error: 'GROUP_NOT_MEMBER' });
  });
});
