/**
 * `parley daemon` reports group membership changes from a persisted
 * position per group (src/cli/groupCursor.ts): a change applied while the
 * daemon was stopped is notified once after the restart, nothing is
 * notified twice across restarts, and a receive cursor from before the
 * positions were kept does not replay the group's old changes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Messenger } from '../../src/main/messenger/messenger';
import { spawnRelay, type RelayProcess } from '../support/relayProcess';
import { createUser, eventually, type TestUser } from '../support/chatHarness';
import { RestartableDaemon, runParley } from '../support/daemonClient';

const ENV = { PARLEY_PASSPHRASE: 'daemon passphrase for tests' };
const tmp = mkdtempSync(path.join(os.tmpdir(), 'parley-daemon-group-events-'));
const profile = path.join(tmp, 'profile');
const socketPath = path.join(tmp, 'parley.sock');
let relay: RelayProcess;
let ann: TestUser;
let cat: TestUser;
const run = new RestartableDaemon(profile, socketPath, ENV);
let daiId = '';
let groupId = '';

type Note = Record<string, unknown>;
const notes = (): Note[] => (run.client?.notifications ?? []).filter((n) => n.method === 'receive').map((n) => n.params as Note);
const groupNotes = (): Note[] => notes().filter((n) => n['type'] === 'group' && n['action'] !== 'memberKeyChanged');
const actions = (): unknown[] => groupNotes().map((n) => n['action']);

const startDaemon = async (): Promise<void> => void (await run.start());
const stopDaemon = async (): Promise<void> => void expect(await run.stop()).toBe(0);

/** Lets the daemon's listener see everything before `text`, which Ann writes to the group now: notifications go out in one order. */
async function settle(text: string): Promise<void> {
  await ann.messenger.groups.sendText(groupId, text);
  await eventually(() => notes().some((n) => n['text'] === text), 30_000);
}

/** `parley groups` (not the inbox) until Dai's profile shows the group as `done` wants it: the change is applied while no daemon runs. */
async function applyWithoutDaemon(done: (g: { name: string; members: string[] }) => boolean): Promise<void> {
  await eventually(async () => {
    const r = await runParley(profile, ['groups'], ENV);
    const g = (r.out as { id: string; name: string; members: string[] }[]).find((x) => x.id === groupId);
    return g !== undefined && done(g);
  }, 30_000);
}

beforeAll(async () => {
  relay = await spawnRelay(['--data', path.join(tmp, 'relay')]);
  ann = await createUser('Ann Lead', relay.url);
  cat = await createUser('Cat Crew', relay.url);
  const r = await runParley(profile, ['--relay', relay.url, 'init', '--name', 'Dai Monroe'], ENV);
  if (r.code !== 0) throw new Error(`init exited ${r.code}: ${r.err}`);
  const client = await run.start();
  await client.call('contactAdd', { code: ann.messenger.account.invite(), name: 'Ann' });
  await eventually(() => ann.messenger.contacts.list().length === 1);
  await ann.messenger.contacts.add(cat.messenger.account.invite(), 'Cat');
  daiId = ann.messenger.contacts.list().find((c) => c.accountId !== cat.messenger.keys.accountId)!.accountId;
}, 60_000);

afterAll(async () => {
  run.kill();
  for (const u of [ann, cat]) await u?.messenger.close();
  relay?.proc.kill('SIGTERM');
  await relay?.exited;
});

describe('parley daemon and group changes made while it was not running', { timeout: 120_000 }, () => {
  it('notifies a change applied while the daemon was stopped once, after the restart, in chain order', async () => {
    groupId = (await ann.messenger.groups.create('Crew', [daiId, cat.messenger.keys.accountId])).id;
    await eventually(() => actions().includes('created'), 30_000);
    await stopDaemon();
    await ann.messenger.groups.rename(groupId, 'Crew Two');
    await ann.messenger.groups.remove(groupId, [cat.messenger.keys.accountId]);
    await applyWithoutDaemon((g) => g.name === 'Crew Two' && g.members.length === 2);
    await startDaemon();
    await settle('after the first restart');
    expect(groupNotes()).toEqual([
      { type: 'group', group: { id: groupId, name: 'Crew Two' }, action: 'renamed', from: 'Ann', members: [], at: expect.any(Number) },
      { type: 'group', group: { id: groupId, name: 'Crew Two' }, action: 'membersRemoved', from: 'Ann', members: ['Cat'], at: expect.any(Number) },
    ]);
  });

  it('notifies nothing twice across two restarts, also a change the restarted daemon applied itself', async () => {
    await stopDaemon();
    await ann.messenger.groups.add(groupId, [cat.messenger.keys.accountId]);
    await applyWithoutDaemon((g) => g.members.length === 3);
    // The rename reaches the restarted daemon from the relay queue, before or after its listener connects.
    await ann.messenger.groups.rename(groupId, 'Crew Again');
    await startDaemon();
    await eventually(() => actions().includes('renamed'), 30_000);
    await settle('after the second restart');
    expect(actions()).toEqual(['membersAdded', 'renamed']);
    await stopDaemon();
    await startDaemon();
    await settle('after the third restart');
    expect(groupNotes()).toEqual([]);
  });

  it('does not replay old changes to a receive cursor from before group positions were kept, and reports the next change', async () => {
    await stopDaemon();
    const opened = await Messenger.open({ dir: profile, passphrase: ENV.PARLEY_PASSPHRASE });
    expect(opened.store.directory.setting('cli.receiveCursor')).not.toBeNull();
    opened.store.db.prepare('DELETE FROM settings WHERE key = ?').run('cli.groupCursor');
    await opened.close();
    await startDaemon();
    await settle('after the upgrade');
    expect(groupNotes()).toEqual([]);
    await ann.messenger.groups.rename(groupId, 'Crew Three');
    await settle('after the rename');
    expect(actions()).toEqual(['renamed']);
    await stopDaemon();
    await startDaemon();
    await settle('after the last restart');
    expect(groupNotes()).toEqual([]);
  });
});
