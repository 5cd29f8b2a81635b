/**
 * Everything the app does in a conversation, from a script (issue 16): two
 * `parley` CLI users (child processes, --json) on a real relay on loopback
 * reply, edit, delete for everyone, react and unreact, read, set the timer
 * and send a file that the other saves with `receive --attachments`. Each
 * line `receive` prints and each `history` line is asserted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startTestRelay } from '../support/relayHarness';
import { profileDir } from '../support/chatHarness';
import { tempDir } from '../support/storeFixture';
import { runParley, type CliLine } from '../support/cliProcess';

let relay: Awaited<ReturnType<typeof startTestRelay>>;
const ann = { dir: '', invite: '' };
const ben = { dir: '', invite: '' };

async function parley(who: { dir: string }, args: string[]): Promise<CliLine[]> {
  const r = await runParley(who.dir, relay.url, args);
  expect(r.code, r.err).toBe(0);
  return r.out;
}

/** Runs `receive` until `done` holds for the lines gathered (each run waits a second for more). */
async function receiveUntil(who: { dir: string }, done: (lines: CliLine[]) => boolean, extra: string[] = []): Promise<CliLine[]> {
  const got: CliLine[] = [];
  for (let i = 0; i < 8 && !done(got); i++) got.push(...(await parley(who, ['receive', '--timeout', '1', ...extra])));
  return got;
}

const ofType = (lines: CliLine[], type: string) => lines.filter((l) => l['type'] === type);

beforeAll(async () => {
  relay = await startTestRelay();
  ann.dir = profileDir();
  ben.dir = profileDir();
  const [a, b] = await Promise.all([parley(ann, ['init', '--name', 'Ann']), parley(ben, ['init', '--name', 'Ben'])]);
  ann.invite = a[0]!['invite'] as string;
  ben.invite = b[0]!['invite'] as string;
  await parley(ann, ['contact', 'add', ben.invite, '--name', 'Ben']);
  await parley(ben, ['contact', 'add', ann.invite, '--name', 'Ann']);
}, 60_000);

afterAll(async () => {
  await relay?.close();
});

// Each step is several CLI processes; on a loaded machine one process can take seconds.
describe('a conversation run entirely from scripts', { timeout: 240_000 }, () => {
  const ids = { first: '', second: '', reply: '', file: '' };

  it('prints typed text lines, a reply with its target, delivery and read receipts', async () => {
    const sent = await parley(ann, ['send', 'Ben', 'first words']);
    expect(sent).toEqual([{ id: expect.any(String), sentAt: expect.any(Number) }]);
    ids.first = sent[0]!['id'] as string;
    ids.second = (await parley(ann, ['send', 'Ben', 'words to take back']))[0]!['id'] as string;
    const got = await receiveUntil(ben, (l) => ofType(l, 'text').length >= 2);
    expect(ofType(got, 'text')).toEqual([
      { type: 'text', from: 'Ann', text: 'first words', id: ids.first, sentAt: expect.any(Number), replyTo: null, group: null },
      { type: 'text', from: 'Ann', text: 'words to take back', id: ids.second, sentAt: expect.any(Number), replyTo: null, group: null },
    ]);

    ids.reply = (await parley(ben, ['send', 'Ann', 'a reply', '--reply-to', ids.first]))[0]!['id'] as string;
    expect(await parley(ben, ['read', 'Ann'])).toEqual([{ read: 'Ann', messages: 2 }]);

    const back = await receiveUntil(ann, (l) => ofType(l, 'text').length >= 1 && ofType(l, 'receipt').some((r) => r['kind'] === 'read'));
    expect(ofType(back, 'text')).toEqual([{ type: 'text', from: 'Ben', text: 'a reply', id: ids.reply, sentAt: expect.any(Number), replyTo: ids.first, group: null }]);
    const receipts = ofType(back, 'receipt');
    expect(receipts.every((r) => r['from'] === 'Ben')).toBe(true);
    expect(receipts.filter((r) => r['kind'] === 'delivered').flatMap((r) => r['targets'] as string[]).sort()).toEqual([ids.first, ids.second].sort());
    expect(receipts.filter((r) => r['kind'] === 'read')).toEqual([{ type: 'receipt', from: 'Ben', kind: 'read', targets: [ids.first, ids.second] }]);
    // Printed once: a second receive has nothing left to say.
    expect(await parley(ann, ['receive', '--timeout', '1'])).toEqual([]);
  });

  it('reports an edit, a delete for everyone, a reaction and its removal, a timer and a saved file in order', async () => {
    expect(await parley(ann, ['edit', 'Ben', ids.first, 'first words, edited'])).toEqual([{ edited: ids.first }]);
    expect(await parley(ann, ['delete', 'Ben', ids.second, '--for-everyone'])).toEqual([{ deleted: ids.second }]);
    expect(await parley(ann, ['react', 'Ben', ids.reply, '🎉'])).toEqual([{ reacted: ids.reply, emoji: '🎉' }]);
    expect(await parley(ann, ['react', 'Ben', ids.reply, '--remove'])).toEqual([{ reacted: ids.reply, emoji: null }]);
    expect(await parley(ann, ['timer', 'Ben', '3600'])).toEqual([{ timer: 'Ben', seconds: 3600 }]);
    const photo = path.join(tempDir(), 'holiday photo.png');
    const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7) % 256));
    writeFileSync(photo, bytes);
    ids.file = (await parley(ann, ['send', 'Ben', '--file', photo]))[0]!['id'] as string;

    const saveDir = path.join(tempDir(), 'saved');
    const got = await receiveUntil(ben, (l) => ofType(l, 'text').length >= 1, ['--attachments', saveDir]);
    const saved = path.join(saveDir, 'holiday photo.png');
    // (Ann's delivery receipt for Ben's reply may come along too.)
    expect(got.filter((l) => l['type'] !== 'text' && l['type'] !== 'receipt')).toEqual([
      { type: 'edit', from: 'Ann', target: ids.first, text: 'first words, edited' },
      { type: 'delete', from: 'Ann', target: ids.second },
      { type: 'reaction', from: 'Ann', target: ids.reply, emoji: '🎉' },
      { type: 'reaction', from: 'Ann', target: ids.reply, emoji: null },
      { type: 'timer', from: 'Ann', seconds: 3600 },
    ]);
    expect(ofType(got, 'text')).toEqual([{
      type: 'text', from: 'Ann', text: '', id: ids.file, sentAt: expect.any(Number), replyTo: null, group: null,
      attachment: { name: 'holiday photo.png', path: saved, size: bytes.length, mime: 'image/png' },
    }]);
    expect(readFileSync(saved).equals(bytes)).toBe(true);
    expect(statSync(saved).mode & 0o777).toBe(0o600);
  });

  it('prints history with edits, deletions, reactions, replies and states on both sides', async () => {
    const benSide = await parley(ben, ['history', 'Ann']);
    expect(benSide.slice(0, 3)).toEqual([
      { type: 'text', id: ids.first, from: 'Ann', text: 'first words, edited', sentAt: expect.any(Number), state: 'delivered', editedAt: expect.any(Number), deleted: false, reactions: [], replyTo: null },
      { type: 'text', id: ids.second, from: 'Ann', text: '', sentAt: expect.any(Number), state: 'delivered', editedAt: null, deleted: true, reactions: [], replyTo: null },
      { type: 'text', id: ids.reply, from: 'me', text: 'a reply', sentAt: expect.any(Number), state: expect.stringMatching(/^(delivered|read)$/u), editedAt: null, deleted: false, reactions: [], replyTo: ids.first },
    ]);
    expect(benSide[3]).toMatchObject({ id: ids.file, attachment: { name: 'holiday photo.png', size: 70_000, mime: 'image/png' } });

    // Ben reacts, Ann sees it in receive and in history; the file she sent shows delivered.
    expect(await parley(ben, ['react', 'Ann', ids.first, '👍'])).toEqual([{ reacted: ids.first, emoji: '👍' }]);
    const got = await receiveUntil(ann, (l) => ofType(l, 'reaction').length >= 1);
    expect(ofType(got, 'reaction')).toEqual([{ type: 'reaction', from: 'Ben', target: ids.first, emoji: '👍' }]);
    const annSide = await parley(ann, ['history', 'Ben']);
    expect(annSide.map((l) => [l['id'], l['from'], l['deleted'], l['state']])).toEqual([
      [ids.first, 'me', false, 'read'], [ids.second, 'me', true, 'read'], [ids.reply, 'Ben', false, 'delivered'], [ids.file, 'me', false, 'delivered'],
    ]);
    expect(annSide[0]).toMatchObject({ text: 'first words, edited', editedAt: expect.any(Number), reactions: [{ from: 'Ben', emoji: '👍' }] });
    expect(annSide[2]).toMatchObject({ replyTo: ids.first, reactions: [] });
  });

  it('refuses to edit a message that is not yours, or one from another conversation', async () => {
    const r = await runParley(ben.dir, relay.url, ['edit', 'Ann', ids.first, 'not mine']);
    expect([r.code, JSON.parse(r.err)]).toEqual([1, { error: 'CHAT_NOT_OWN_MESSAGE', message: expect.any(String) }]);
    const unknown = await runParley(ann.dir, relay.url, ['react', 'Ben', 'x'.repeat(22), '👍']);
    expect(JSON.parse(unknown.err)).toMatchObject({ error: 'CHAT_UNKNOWN_MESSAGE' });
  });

  it('exports only with --yes under --json, and then writes the conversation as JSON', async () => {
    const out = path.join(tempDir(), 'export');
    const refused = await runParley(ann.dir, relay.url, ['export', 'Ben', '--format', 'json', '--out', out]);
    expect([refused.code, JSON.parse(refused.err)]).toEqual([2, { error: 'CLI_USAGE', message: expect.stringContaining('--yes') }]);
    const [line] = await parley(ann, ['export', 'Ben', '--format', 'json', '--out', out, '--yes']);
    expect(line).toEqual({ exported: { out, files: ['conversations.json'], conversations: 1, messages: 4, attachments: 1 } });
    const doc = JSON.parse(readFileSync(path.join(out, 'conversations.json'), 'utf8')) as { conversations: { messages: { id: string }[] }[] };
    expect(doc.conversations[0]!.messages.map((m) => m.id)).toEqual([ids.first, ids.second, ids.reply, ids.file]);
  });
});
