/**
 * `parley daemon` driven over its Unix socket by a JSON-RPC test client: a
 * real profile (made by `parley init`), a real relay process on loopback,
 * and an app user on the same core at the other end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnRelay, type RelayProcess } from '../support/relayProcess';
import { DAEMON_MAX_LINE_BYTES } from '../../src/shared/constants';
import { createUser, eventually, type TestUser } from '../support/chatHarness';
import { RpcClient, runParley, spawnDaemon, type DaemonProcess, type RpcMessage } from '../support/daemonClient';

const ENV = { PARLEY_PASSPHRASE: 'daemon passphrase for tests' };
const tmp = mkdtempSync(path.join(os.tmpdir(), 'parley-daemon-'));
const relayData = path.join(tmp, 'relay');
const profile = path.join(tmp, 'profile');
const socketPath = path.join(tmp, 'parley.sock');
let relay: RelayProcess;
let port = 0;
let app: TestUser;
let daemon: DaemonProcess;
let client: RpcClient;
let daemonInvite = '';

async function init(): Promise<string> {
  const r = await runParley(profile, ['--relay', relay.url, 'init', '--name', 'Dai Monroe'], ENV);
  if (r.code !== 0) throw new Error(`init exited ${r.code}: ${r.err}`);
  return (r.out[0] as { invite: string }).invite;
}

const daemonAccount = () => app.messenger.contacts.byName('Dai').accountId;
const receiveNotes = (c: RpcClient) => c.notifications.filter((n) => n.method === 'receive').map((n) => n.params!);

beforeAll(async () => {
  relay = await spawnRelay(['--data', relayData]);
  port = Number(new URL(relay.url).port);
  app = await createUser('Appleton Vye', relay.url);
  daemonInvite = await init();
  daemon = await spawnDaemon(profile, ['--socket', socketPath], ENV);
  client = await RpcClient.connect(socketPath);
});

afterAll(async () => {
  client?.close();
  if (daemon && daemon.proc.exitCode === null) daemon.proc.kill('SIGKILL');
  await app?.messenger.close();
  relay?.proc.kill('SIGTERM');
  await relay?.exited;
});

describe('parley daemon over a socket', () => {
  it('creates its socket readable and writable by the owner only, and refuses a second daemon on it', async () => {
    expect(statSync(socketPath).mode & 0o777).toBe(0o600);
    const second = await runParley(profile, ['daemon', '--socket', socketPath], ENV);
    expect(second.code).toBe(1);
    expect(JSON.parse(second.err)).toMatchObject({ error: 'DAEMON_SOCKET_IN_USE' });
    expect((await client.call('invite')).result).toEqual({ invite: daemonInvite });
  });

  it('adds a contact, sends a text the app user receives, and notifies the delivery receipt', async () => {
    const added = await client.call('contactAdd', { code: app.messenger.account.invite(), name: 'Appleton Vye' });
    expect(added.result).toEqual({ contact: { name: 'Appleton Vye', accountId: app.messenger.keys.accountId, trust: 'unverified' } });
    await app.messenger.contacts.add(daemonInvite, 'Dai');
    const sent = await client.call('send', { name: 'Appleton Vye', text: 'Hello from the daemon' });
    const { id } = sent.result as { id: string };
    await eventually(() => app.inbox.find((m) => m.id === id));
    expect(app.inbox.find((m) => m.id === id)!.text).toBe('Hello from the daemon');
    const receipt = await client.until(() => receiveNotes(client).find((n) => n['type'] === 'receipt' && (n['targets'] as string[]).includes(id)));
    expect(receipt).toEqual({ type: 'receipt', from: 'Appleton Vye', kind: 'delivered', targets: [id] });
  });

  it('sends a receive notification for every text that arrives, once', async () => {
    const dai = app.messenger.contacts.byName('Dai').accountId;
    const a = await app.messenger.conversations.sendText(dai, 'First to the daemon');
    const b = await app.messenger.conversations.sendText(dai, 'Second to the daemon');
    await client.until(() => receiveNotes(client).some((n) => n['id'] === b.id));
    const texts = receiveNotes(client).filter((n) => n['type'] === 'text');
    expect(texts).toEqual([
      expect.objectContaining({ type: 'text', from: 'Appleton Vye', text: 'First to the daemon', id: a.id, sentAt: a.sentAt, replyTo: null }),
      expect.objectContaining({ type: 'text', from: 'Appleton Vye', text: 'Second to the daemon', id: b.id, sentAt: b.sentAt, replyTo: null }),
    ]);
    const history = (await client.call('history', { name: 'Appleton Vye', limit: 10 })).result as { text: string }[];
    expect(history.map((m) => m.text)).toEqual(['Hello from the daemon', 'First to the daemon', 'Second to the daemon']);
  });

  it('runs reply, edit, react, unreact, read, timer, delete for everyone and history as methods, answering what the CLI prints', async () => {
    const lines = (await client.call('history', { name: 'Appleton Vye', limit: 10 })).result as Record<string, unknown>[];
    const first = lines.find((l) => l['text'] === 'First to the daemon')!['id'] as string;
    const sent = (await client.call('send', { name: 'Appleton Vye', text: 'A reply from the daemon', replyTo: first })).result as { id: string; sentAt: number };
    expect(sent).toEqual({ id: expect.any(String), sentAt: expect.any(Number) });
    const reply = sent.id;
    expect((await client.call('edit', { name: 'Appleton Vye', id: reply, text: 'An edited reply' })).result).toEqual({ edited: reply });
    expect((await client.call('react', { name: 'Appleton Vye', id: first, emoji: '🎉' })).result).toEqual({ reacted: first, emoji: '🎉' });
    expect((await client.call('read', { name: 'Appleton Vye' })).result).toEqual({ read: 'Appleton Vye', messages: 2 });
    expect((await client.call('timer', { name: 'Appleton Vye', seconds: 3600 })).result).toEqual({ timer: 'Appleton Vye', seconds: 3600 });
    const store = app.messenger.store;
    await eventually(() => store.messages.get(reply)?.body === 'An edited reply' && store.reactions.forMessage(first).length === 1 && store.messages.get(first)?.state === 'read');
    expect(store.messages.get(reply)).toMatchObject({ replyTo: first, editedAt: expect.any(Number) });
    await eventually(() => store.messages.timerOf(daemonAccount()) === 3_600_000);
    expect((await client.call('react', { name: 'Appleton Vye', id: first, remove: true })).result).toEqual({ reacted: first, emoji: null });
    expect((await client.call('delete', { name: 'Appleton Vye', id: reply, forEveryone: true })).result).toEqual({ deleted: reply });
    await eventually(() => store.messages.get(reply)?.deletedAt && store.reactions.forMessage(first).length === 0);

    const history = (await client.call('history', { name: 'Appleton Vye', limit: 10 })).result as Record<string, unknown>[];
    expect(history.find((l) => l['id'] === first)).toEqual({ type: 'text', id: first, from: 'Appleton Vye', text: 'First to the daemon', sentAt: expect.any(Number), state: 'delivered', editedAt: null, deleted: false, reactions: [], replyTo: null });
    expect(history.find((l) => l['id'] === reply)).toMatchObject({ from: 'me', text: '', deleted: true, replyTo: first, editedAt: expect.any(Number) });
    const refused = await client.call('edit', { name: 'Appleton Vye', id: first, text: 'not mine' });
    expect(refused.error).toMatchObject({ code: -32602, data: { code: 'CHAT_NOT_OWN_MESSAGE' } });
  });

  it('notifies each edit, delete, reaction, read receipt and timer the app user sends, in the shape receive prints', async () => {
    const dai = daemonAccount();
    const lines = (await client.call('history', { name: 'Appleton Vye', limit: 10 })).result as Record<string, unknown>[];
    const [first, second] = ['First to the daemon', 'Second to the daemon'].map((t) => lines.find((l) => l['text'] === t)!['id'] as string);
    const hello = lines.find((l) => l['text'] === 'Hello from the daemon')!['id'] as string;
    const c = app.messenger.conversations;
    await c.editMessage(first!, 'First, edited');
    await c.react(hello, '👍');
    await c.deleteMessage(second!, true);
    await c.setDisappearingTimer(dai, 60);
    await c.markRead(dai);
    const answer = await c.sendText(dai, 'Answering hello', { replyTo: hello });
    await client.until(() => receiveNotes(client).some((n) => n['id'] === answer.id));
    const notes = receiveNotes(client);
    expect(notes.filter((n) => ['edit', 'delete', 'reaction', 'timer'].includes(n['type'] as string))).toEqual([
      { type: 'edit', from: 'Appleton Vye', target: first, text: 'First, edited' },
      { type: 'reaction', from: 'Appleton Vye', target: hello, emoji: '👍' },
      { type: 'delete', from: 'Appleton Vye', target: second },
      { type: 'timer', from: 'Appleton Vye', seconds: 60 },
    ]);
    expect(notes.find((n) => n['type'] === 'receipt' && n['kind'] === 'read')).toEqual({ type: 'receipt', from: 'Appleton Vye', kind: 'read', targets: expect.arrayContaining([hello]) });
    expect(notes.find((n) => n['id'] === answer.id)).toEqual({ type: 'text', from: 'Appleton Vye', text: 'Answering hello', id: answer.id, sentAt: answer.sentAt, replyTo: hello, group: null });
  });

  it('exports only with "yes": true, then writes the conversation 0600', async () => {
    const out = path.join(tmp, 'export');
    const refused = await client.call('export', { name: 'Appleton Vye', format: 'json', out });
    expect(refused.error).toMatchObject({ code: -32602, data: { code: 'DAEMON_BAD_PARAMS', issues: [expect.objectContaining({ message: expect.stringContaining('"yes": true') })] } });
    expect(existsSync(out)).toBe(false);
    const done = await client.call('export', { name: 'Appleton Vye', format: 'html', out, yes: true });
    expect(done.result).toEqual({ exported: { out, files: ['Appleton Vye.html'], conversations: 1, messages: expect.any(Number), attachments: 0 } });
    expect(statSync(path.join(out, 'Appleton Vye.html')).mode & 0o777).toBe(0o600);
    expect(readFileSync(path.join(out, 'Appleton Vye.html'), 'utf8')).toContain('Answering hello');
  });

  it('answers each kind of bad request with its JSON-RPC error and keeps serving', async () => {
    const before = client.responses.length;
    client.send('{"jsonrpc":"2.0","id":');
    await client.until(() => client.responses.length > before);
    expect(client.responses.at(-1)).toMatchObject({ id: null, error: { code: -32700 } });
    client.send('{"id":"no-version","method":"send"}');
    await client.until(() => client.responses.some((r) => r.id === 'no-version'));
    expect(client.responses.find((r) => r.id === 'no-version')).toMatchObject({ error: { code: -32600 } });
    expect((await client.call('frobnicate')).error).toMatchObject({ code: -32601 });
    const badParams = await client.call('send', { name: 'Appleton Vye', text: 42 });
    expect(badParams.error).toMatchObject({ code: -32602, data: { code: 'DAEMON_BAD_PARAMS' } });
    expect((await client.call('history', ['Appleton Vye'])).error).toMatchObject({ code: -32602, data: { code: 'DAEMON_BAD_PARAMS' } });
    const unknown = await client.call('send', { name: 'Nobody', text: 'hi' });
    expect(unknown.error).toMatchObject({ code: -32602, data: { code: 'CHAT_UNKNOWN_CONTACT' } });
    client.send('[]');
    await client.until(() => client.responses.at(-1)?.error?.code === -32600 && client.responses.at(-1)?.id === null);
    const errorsBefore = client.responses.filter((r) => r.error?.code === -32600).length;
    client.send(`{"jsonrpc":"2.0","id":"too-long","method":"send","params":{"name":"Appleton Vye","text":"${'x'.repeat(DAEMON_MAX_LINE_BYTES)}"}}`);
    await client.until(() => client.responses.filter((r) => r.error?.code === -32600).length > errorsBefore);
    expect(client.responses.some((r) => r.id === 'too-long')).toBe(false);
    const contacts = await client.call('contacts');
    expect(contacts.result).toEqual([{ name: 'Appleton Vye', accountId: app.messenger.keys.accountId, trust: 'unverified' }]);
  });

  it('sends through the same connection after the relay process restarts', async () => {
    relay.proc.kill('SIGTERM');
    await relay.exited;
    relay = await spawnRelay(['--data', relayData, '--port', String(port)]);
    await eventually(async () => ((await client.call('relay')).result as { online: boolean }).online, 30_000);
    const sent = await client.call('send', { name: 'Appleton Vye', text: 'After the relay restarted' });
    const { id } = sent.result as { id: string };
    await eventually(() => app.inbox.find((m) => m.id === id), 30_000);
    await client.until(() => receiveNotes(client).find((n) => n['type'] === 'receipt' && (n['targets'] as string[]).includes(id)), 30_000);
  });

  it('stops on SIGTERM (profile closed, socket removed), and a socket left by a killed daemon is taken over', async () => {
    daemon.proc.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
    expect(existsSync(socketPath)).toBe(false);
    daemon = await spawnDaemon(profile, ['--socket', socketPath], ENV);
    daemon.proc.kill('SIGKILL');
    await daemon.exited;
    expect(existsSync(socketPath)).toBe(true);
    daemon = await spawnDaemon(profile, ['--socket', socketPath], ENV);
    const again = await RpcClient.connect(socketPath);
    expect((await again.call('invite')).result).toEqual({ invite: expect.stringMatching(/^parley1/) });
    again.close();
    daemon.proc.kill('SIGINT');
    expect(await daemon.exited).toBe(0);
    expect(existsSync(socketPath)).toBe(false);
  });

  it('refuses a --socket path that is some other file, and leaves the file alone', async () => {
    const file = path.join(tmp, 'not-a-socket');
    writeFileSync(file, 'keep me');
    await expect(spawnDaemon(profile, ['--socket', file], ENV)).rejects.toThrow(/DAEMON_SOCKET_NOT_SOCKET/);
    expect(statSync(file).size).toBe(7);
  });

  it('speaks the same protocol on stdin and stdout, and exits when stdin ends', async () => {
    const stdio = await spawnDaemon(profile, [], ENV);
    let out = '';
    stdio.proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    stdio.proc.stdin!.end('{"jsonrpc":"2.0","id":"a","method":"contacts"}\nnot json\n');
    expect(await stdio.exited).toBe(0);
    const lines = out.trim().split('\n').map((l) => JSON.parse(l) as RpcMessage);
    expect(lines).toContainEqual({ jsonrpc: '2.0', id: 'a', result: [expect.objectContaining({ name: 'Appleton Vye' })] });
    expect(lines).toContainEqual(expect.objectContaining({ id: null, error: expect.objectContaining({ code: -32700 }) }));
  });
});
