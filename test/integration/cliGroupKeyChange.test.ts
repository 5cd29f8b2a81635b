/**
 * A group member's safety-number change as a script sees it, on a real relay
 * on loopback with real profiles: Ben is a `parley` CLI profile (child
 * processes, --json, then `parley daemon` on the same profile); Ann (the
 * admin, a contact of everyone), Cat and Dee are in-process profiles, and
 * neither Cat nor Dee is Ben's contact. Cat's signed change shows once in
 * `parley receive` and marks her in `parley groups`; a change her key did
 * not sign shows nowhere; an admin putting her new key in reaches the
 * daemon as "added Cat's new key", "removed Cat's old key"; Dee's change
 * reaches the daemon as one notification, not again after a restart nor in
 * a later `receive` (the daemon and `receive` share the inbox cursor); a
 * cursor saved before key changes were reported gets each one once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sodium from 'libsodium-wrappers-sumo';
import type { ChatContext } from '../../src/main/conversations/context';
import { flushOutbox, sendContent } from '../../src/main/conversations/outgoing';
import { signKeyChange } from '../../src/main/account/rotation';
import { runGroupCommand } from '../../src/cli/groupCommands';
import { Messenger } from '../../src/main/messenger/messenger';
import { toBase64Url } from '../../src/shared/wire/encoding';
import { startTestRelay } from '../support/relayHarness';
import { createUser, eventually, type TestUser } from '../support/chatHarness';
import { RestartableDaemon, runParley } from '../support/daemonClient';

type Line = Record<string, unknown>;

const ENV = { PARLEY_PASSPHRASE: 'key change passphrase for tests' };
const tmp = mkdtempSync(path.join(os.tmpdir(), 'parley-cli-keys-'));
const profile = path.join(tmp, 'ben');
const socketPath = path.join(tmp, 'parley.sock');
let relay: Awaited<ReturnType<typeof startTestRelay>>;
let ann: TestUser;
let cat: TestUser;
let dee: TestUser;
let benId = '';
let groupId = '';
const run = new RestartableDaemon(profile, socketPath, ENV);

async function ben(args: string[]): Promise<Line[]> {
  const r = await runParley(profile, args, ENV);
  expect(r.code, r.err).toBe(0);
  return r.out as Line[];
}

/** `parley receive` until `done` holds for everything printed so far (each run waits up to a second for more). */
async function receiveUntil(done: (lines: Line[]) => boolean): Promise<Line[]> {
  const got: Line[] = [];
  for (let i = 0; i < 12 && !done(got); i++) got.push(...(await ben(['receive', '--timeout', '1'])));
  return got;
}

const keyLines = (lines: readonly Line[]) => lines.filter((l) => l['type'] === 'group' && l['action'] === 'memberKeyChanged');
const hasText = (text: string) => (lines: readonly Line[]) => lines.some((l) => l['text'] === text);
const notes = () => (run.client?.notifications ?? []).filter((n) => n.method === 'receive').map((n) => n.params as Line);
/** The device's own chat context: the test plays a member who sends content the app never would. */
const contextOf = (u: TestUser) => (u.messenger.groups as unknown as { ctx: ChatContext }).ctx;

const startDaemon = async (): Promise<void> => void (await run.start());
const stopDaemon = async (): Promise<void> => void expect(await run.stop()).toBe(0);

beforeAll(async () => {
  relay = await startTestRelay();
  ann = await createUser('Ann Keys', relay.url);
  cat = await createUser('Cat Keys', relay.url);
  dee = await createUser('Dee Keys', relay.url);
  const [init] = await ben(['--relay', relay.url, 'init', '--name', 'Ben']);
  await ann.messenger.contacts.add(init!['invite'] as string, 'Ben');
  await ann.messenger.contacts.add(cat.messenger.account.invite(), 'Cat');
  await ann.messenger.contacts.add(dee.messenger.account.invite(), 'Dee');
  await ben(['contact', 'add', ann.messenger.account.invite(), '--name', 'Ann']);
  benId = ann.messenger.contacts.list().find((c) => c.name === 'Ben')!.accountId;
  groupId = (await ann.messenger.groups.create('Key Club', [benId, cat.messenger.keys.accountId, dee.messenger.keys.accountId])).id;
  await ann.messenger.groups.sendText(groupId, 'first word');
  await receiveUntil(hasText('first word'));
  const sees = (u: TestUser, text: string) => u.messenger.groups.history(groupId, 10).some((m) => m.body === text);
  await eventually(() => sees(cat, 'first word') && sees(dee, 'first word'), 20_000);
  // Ben writes and Cat and Dee write once each, so each holds Ben's verified devices and Ben theirs (a rotation goes to the members who are not contacts).
  await cat.messenger.groups.sendText(groupId, 'Cat says hello');
  await dee.messenger.groups.sendText(groupId, 'Dee says hello');
  await ben(['send', '--group', 'Key Club', 'Ben says hello']);
  await receiveUntil((l) => hasText('Cat says hello')(l) && hasText('Dee says hello')(l));
  await eventually(() => [cat, dee].every((u) => sees(u, 'Ben says hello') && u.messenger.store.groups.devicesOf(benId).length === 1), 20_000);
}, 120_000);

afterAll(async () => {
  run.kill();
  for (const u of [ann, cat, dee]) await u?.messenger.close().catch(() => undefined);
  await relay?.close();
});

describe('a group member’s safety-number change from scripts', { timeout: 180_000 }, () => {
  it('shows a change the member’s key did not sign nowhere', async () => {
    await sodium.ready;
    const forger = sodium.crypto_sign_keypair();
    const target = sodium.crypto_sign_keypair();
    const ctx = contextOf(cat);
    const devices = cat.messenger.store.groups.devicesOf(benId).map((deviceId) => ({ accountId: benId, deviceId }));
    await sendContent(ctx, devices, { v: 1, type: 'accountKeyChange', sentAt: Date.now(), newAccountId: toBase64Url(target.publicKey), signature: signKeyChange(forger.privateKey, target.publicKey) });
    await flushOutbox(ctx);
    await cat.messenger.groups.sendText(groupId, 'after the forgery');
    const lines = await receiveUntil(hasText('after the forgery'));
    expect(lines.filter((l) => l['type'] === 'group')).toEqual([]);
    expect(await ben(['groups'])).toEqual([{ id: groupId, name: 'Key Club', members: ['Ann', 'Ben', 'Cat Keys', 'Dee Keys'], keyChanged: [], role: 'member' }]);
  });

  it('prints the signed change once in receive and marks the member in groups', async () => {
    const before = Date.now();
    await cat.messenger.devices.rotatePhrase();
    const lines = await receiveUntil((l) => keyLines(l).length > 0);
    expect(keyLines(lines)).toEqual([{ type: 'group', action: 'memberKeyChanged', group: { id: groupId, name: 'Key Club' }, from: 'Cat Keys', members: ['Cat Keys'], at: expect.any(Number) }]);
    expect(keyLines(lines)[0]!['at']).toBeGreaterThanOrEqual(before);
    expect(keyLines(await ben(['receive', '--timeout', '1']))).toEqual([]);
    expect(await ben(['groups'])).toEqual([{ id: groupId, name: 'Key Club', members: ['Ann', 'Ben', 'Cat Keys', 'Dee Keys'], keyChanged: ['Cat Keys'], role: 'member' }]);
    // Ann, the admin (Cat is her contact, so the group records the change for her too), is told the command that adds the new key.
    await eventually(() => ann.messenger.groups.get(groupId).members.some((m) => m.keyChanged), 20_000);
    const [listed] = await runGroupCommand(ann.messenger, { name: 'groups' });
    expect(listed!.json).toMatchObject({ keyChanged: ['Cat'], role: 'admin' });
    expect(listed!.human).toBe('Key Club\tAnn Keys, Ben, Cat (safety number changed), Dee\n  Cat’s safety number changed. To add their new key: parley group new-key \'Key Club\' Cat');
  });

  it('notifies the daemon’s listener of an admin adding the new key, and of another member’s change once, not again after a restart or in receive', async () => {
    await startDaemon();
    await runGroupCommand(ann.messenger, { name: 'group-new-key', groupName: 'Key Club', memberName: 'Cat' });
    await ann.messenger.conversations.flush();
    const added = await eventually(() => notes().find((n) => n['action'] === 'membersAdded'), 30_000);
    const removed = await eventually(() => notes().find((n) => n['action'] === 'membersRemoved'), 30_000);
    expect(added).toMatchObject({ type: 'group', group: { id: groupId, name: 'Key Club' }, from: 'Ann', key: 'new' });
    expect(removed).toMatchObject({ type: 'group', group: { id: groupId, name: 'Key Club' }, from: 'Ann', key: 'old' });
    expect(added!['members']).toEqual(removed!['members']);
    expect(keyLines(notes())).toEqual([]);
    // Dee changes her key while the daemon runs: its listener gets it once.
    await dee.messenger.devices.rotatePhrase();
    const change = await eventually(() => keyLines(notes())[0], 30_000);
    expect(change).toEqual({ type: 'group', action: 'memberKeyChanged', group: { id: groupId, name: 'Key Club' }, from: 'Dee Keys', members: ['Dee Keys'], at: expect.any(Number) });
    const listed = (await run.client!.call('groups')).result as Line[];
    expect(listed).toMatchObject([{ id: groupId, keyChanged: ['Dee Keys'], role: 'member' }]);
    await ann.messenger.groups.sendText(groupId, 'before the restart');
    await eventually(() => notes().some((n) => n['text'] === 'before the restart'), 30_000);
    expect(keyLines(notes())).toHaveLength(1);
    await stopDaemon();
    await startDaemon();
    await ann.messenger.groups.sendText(groupId, 'after the restart');
    await eventually(() => notes().some((n) => n['text'] === 'after the restart'), 30_000);
    expect(keyLines(notes())).toEqual([]);
    await stopDaemon();
    expect(keyLines(await ben(['receive', '--timeout', '1']))).toEqual([]);
  });

  it('reports every recorded change once to a receive cursor from before key changes were reported', async () => {
    const opened = await Messenger.open({ dir: profile, passphrase: ENV.PARLEY_PASSPHRASE });
    const { keyAt: _at, keyIds: _ids, ...older } = JSON.parse(opened.store.directory.setting('cli.receiveCursor')!) as Record<string, unknown>;
    opened.store.directory.setSetting('cli.receiveCursor', JSON.stringify(older));
    await opened.close();
    // Cat goes by the name Ann gave her new key ("Cat") until she writes under it, or by the one she chose.
    expect(keyLines(await ben(['receive', '--timeout', '1'])).map((l) => l['from'])).toEqual([expect.stringMatching(/^Cat/u), 'Dee Keys']);
    expect(keyLines(await ben(['receive', '--timeout', '1']))).toEqual([]);
  });
});
