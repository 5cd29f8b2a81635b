/**
 * `parley daemon` and groups: the group methods over the socket (create,
 * list, send, history, remove) return what the commands print, and group
 * texts and membership changes arrive as `receive` notifications.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnRelay, type RelayProcess } from '../support/relayProcess';
import { createUser, eventually, type TestUser } from '../support/chatHarness';
import { RpcClient, runParley, spawnDaemon, type DaemonProcess } from '../support/daemonClient';

const ENV = { PARLEY_PASSPHRASE: 'daemon passphrase for tests' };
const tmp = mkdtempSync(path.join(os.tmpdir(), 'parley-daemon-groups-'));
const profile = path.join(tmp, 'profile');
const socketPath = path.join(tmp, 'parley.sock');
let relay: RelayProcess;
let ann: TestUser;
let cat: TestUser;
let daemon: DaemonProcess;
let client: RpcClient;
let groupId = '';

const notes = () => client.notifications.filter((n) => n.method === 'receive').map((n) => n.params as Record<string, unknown>);

beforeAll(async () => {
  relay = await spawnRelay(['--data', path.join(tmp, 'relay')]);
  ann = await createUser('Ann Ops', relay.url);
  cat = await createUser('Cat Ops', relay.url);
  const r = await runParley(profile, ['--relay', relay.url, 'init', '--name', 'Dai Monroe'], ENV);
  if (r.code !== 0) throw new Error(`init exited ${r.code}: ${r.err}`);
  daemon = await spawnDaemon(profile, ['--socket', socketPath], ENV);
  client = await RpcClient.connect(socketPath);
  await client.call('contactAdd', { code: ann.messenger.account.invite(), name: 'Ann' });
  await client.call('contactAdd', { code: cat.messenger.account.invite(), name: 'Cat' });
  await eventually(() => ann.messenger.contacts.list().length === 1 && cat.messenger.contacts.list().length === 1);
}, 60_000);

afterAll(async () => {
  client?.close();
  if (daemon && daemon.proc.exitCode === null) daemon.proc.kill('SIGKILL');
  for (const u of [ann, cat]) await u?.messenger.close();
  relay?.proc.kill('SIGTERM');
  await relay?.exited;
});

describe('parley daemon with groups', () => {
  it('creates and lists a group, and notifies its creation', async () => {
    const created = (await client.call('groupCreate', { name: 'Ops', members: ['Ann', 'Cat'] })).result as { group: { id: string; name: string; members: string[] } };
    expect(created.group).toMatchObject({ name: 'Ops', members: ['Dai Monroe', 'Ann', 'Cat'] });
    groupId = created.group.id;
    expect((await client.call('groups')).result).toEqual([{ id: groupId, name: 'Ops', members: ['Dai Monroe', 'Ann', 'Cat'], keyChanged: [], role: 'admin' }]);
    await eventually(() => notes().some((n) => n['type'] === 'group' && n['action'] === 'created'));
    await eventually(() => ann.messenger.groups.list().length === 1 && cat.messenger.groups.list().length === 1);
  });

  it('sends to the group and reports members’ group texts with the group name', async () => {
    const sent = (await client.call('send', { group: 'Ops', text: 'Standup in five' })).result as { id: string };
    await eventually(() => ann.messenger.groups.history(groupId, 10).some((m) => m.id === sent.id));
    const m = await ann.messenger.groups.sendText(groupId, 'On my way');
    await eventually(() => notes().some((n) => n['id'] === m.id));
    expect(notes().find((n) => n['id'] === m.id)).toMatchObject({ type: 'text', from: 'Ann', text: 'On my way', group: 'Ops' });
    const history = (await client.call('groupHistory', { group: 'Ops', limit: 10 })).result as { text: string; group: string }[];
    expect(history.map((h) => h.text).sort()).toEqual(['On my way', 'Standup in five']);
  });

  it('edits, reacts to, deletes for everyone, reads and sets the timer of a group conversation named by "group"', async () => {
    const sent = (await client.call('send', { group: 'Ops', text: 'Retro at 4' })).result as { id: string };
    await eventually(() => ann.messenger.groups.history(groupId, 20).some((m) => m.id === sent.id));
    expect((await client.call('edit', { group: 'Ops', id: sent.id, text: 'Retro at 5' })).result).toEqual({ edited: sent.id });
    await eventually(() => ann.messenger.store.messages.get(sent.id)?.body === 'Retro at 5');
    const theirs = await ann.messenger.groups.sendText(groupId, 'Snacks?');
    await eventually(() => notes().some((n) => n['id'] === theirs.id));
    expect((await client.call('react', { group: 'Ops', id: theirs.id, emoji: '🍪' })).result).toEqual({ reacted: theirs.id, emoji: '🍪' });
    await eventually(() => ann.messenger.store.reactions.forMessage(theirs.id).some((r) => r.emoji === '🍪'));
    expect((await client.call('read', { group: 'Ops' })).result).toMatchObject({ read: 'Ops' });
    expect((await client.call('timer', { group: 'Ops', seconds: 3600 })).result).toEqual({ timer: 'Ops', seconds: 3600 });
    await eventually(() => ann.messenger.groups.get(groupId).timer === 3600);
    expect((await client.call('delete', { group: 'Ops', id: sent.id, forEveryone: true })).result).toEqual({ deleted: sent.id });
    await eventually(() => ann.messenger.store.messages.get(sent.id)?.deletedAt != null || ann.messenger.store.messages.get(sent.id) === undefined);
    const bad = await client.call('edit', { group: 'Ops', name: 'Ann', id: sent.id, text: 'both' });
    expect(bad.error).toMatchObject({ code: -32602 });
    await client.call('timer', { group: 'Ops', seconds: null });
  });

  it('exports the group conversation with its membership events and each sender’s name', async () => {
    const out = path.join(tmp, 'export');
    const r = (await client.call('export', { group: 'Ops', format: 'json', out, yes: true })).result as { exported: { out: string; conversations: number } };
    expect(r.exported.conversations).toBe(1);
    type Doc = { conversations: { name: string; events: { type: string; text?: string }[]; messages: { from: string; text: string }[] }[] };
    const conv = (JSON.parse(readFileSync(path.join(r.exported.out, 'conversations.json'), 'utf8')) as Doc).conversations[0]!;
    expect(conv.name).toBe('Ops');
    expect(conv.events[0]).toMatchObject({ type: 'membership', text: 'You created the group “Ops” with Ann, Cat' });
    expect(conv.messages.find((m) => m.text === 'On my way')?.from).toBe('Ann');
    const html = (await client.call('export', { group: 'Ops', format: 'html', out: path.join(tmp, 'export-html'), yes: true })).result as { exported: { out: string } };
    expect(html.exported.out).toBeTruthy();
    expect((await client.call('export', { group: 'Ops', name: 'Ann', format: 'json', out, yes: true })).error).toMatchObject({ code: -32602 });
  });

  it('removes a member and notifies a member leaving', async () => {
    const after = (await client.call('groupRemove', { group: 'Ops', member: 'Cat' })).result as { group: { members: string[] } };
    expect(after.group.members).toEqual(['Dai Monroe', 'Ann']);
    await eventually(() => ann.messenger.groups.get(groupId).members.length === 2);
    await ann.messenger.groups.leave(groupId);
    await eventually(() => notes().some((n) => n['type'] === 'group' && n['action'] === 'left'));
    expect(notes().find((n) => n['action'] === 'left')).toMatchObject({ group: { id: groupId, name: 'Ops' }, from: 'Ann' });
  });
});
