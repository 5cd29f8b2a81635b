/**
 * Conversation export (src/main/export) on real profiles and a real relay:
 * a conversation of 10,000 messages with files that really travelled end
 * to end, written to JSON (which parses and holds every message, edit,
 * deletion, reaction and reply) and to HTML, which Chromium opens with
 * scripts off and every network request refused and still finds a text.
 * Files are 0600, attachments are copied beside, names never escape, and
 * the audit log records the export.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startTestRelay } from '../support/relayHarness';
import { createUser, eventually, type TestUser } from '../support/chatHarness';
import { tempDir } from '../support/storeFixture';
import { launchChromium } from '../support/browser';
import type { NewMessage } from '../../src/main/store';

let relay: Awaited<ReturnType<typeof startTestRelay>>;
let ann: TestUser;
let ben: TestUser;
const NEEDLE = 'the lighthouse keeper’s marmalade';
const HOSTILE = '<script>document.title="owned"</script><img src="https://example.invalid/x.png">';
const photo = Buffer.from(Array.from({ length: 50_000 }, (_, i) => (i * 13) % 256));
const ids = { photo: '', hostileFile: '', edited: '', deleted: '' };

async function sendFile(from: TestUser, to: string, name: string, bytes: Buffer): Promise<string> {
  const upload = from.messenger.attachments.begin(to, name, 'image/png', bytes.length);
  await from.messenger.attachments.append(upload, bytes);
  return (await from.messenger.attachments.finish(upload)).id;
}

beforeAll(async () => {
  relay = await startTestRelay();
  [ann, ben] = await Promise.all([createUser('Ann Example', relay.url), createUser('Ben Example', relay.url)]);
  await ann.messenger.contacts.add(ben.messenger.account.invite(), 'Ben');
  const annId = ann.messenger.keys.accountId;
  const benId = ben.messenger.keys.accountId;
  await eventually(() => ben.messenger.contacts.list().length === 1);
  ids.photo = await sendFile(ann, benId, 'holiday.png', photo);
  ids.hostileFile = await sendFile(ann, benId, '../../../outside<b>.png', photo.subarray(0, 1000));
  const edited = await ann.messenger.conversations.sendText(benId, 'first draft');
  const deleted = await ann.messenger.conversations.sendText(benId, 'regrettable words');
  ids.edited = edited.id;
  ids.deleted = deleted.id;
  await eventually(() => ben.messenger.store.messages.get(deleted.id));
  await ann.messenger.conversations.editMessage(edited.id, 'final words');
  await ann.messenger.conversations.deleteMessage(deleted.id, true);
  await ben.messenger.conversations.sendText(annId, NEEDLE, { replyTo: edited.id });
  await ben.messenger.conversations.react(edited.id, '👍');
  await eventually(() => ben.messenger.store.messages.get(edited.id)?.editedAt && ben.messenger.store.messages.get(deleted.id)?.deletedAt);
  await eventually(() => [ids.photo, ids.hostileFile].every((id) => ben.messenger.store.attachments.forMessage(id)[0]?.localPath));
  // The bulk of the conversation: 10,000 older messages in Ben's real store, one of them hostile markup.
  const rows: NewMessage[] = Array.from({ length: 10_000 }, (_, i) => ({
    id: `bulk-${String(i).padStart(16, '0')}`, conversationId: annId, sender: i % 2 ? annId : benId, direction: i % 2 ? 'in' : 'out',
    body: i === 4321 ? HOSTILE : `message number ${i}`, sentAt: 1_600_000_000_000 + i, receivedAt: 1_600_000_000_000 + i, state: i % 2 ? 'delivered' : 'read',
  }));
  ben.messenger.store.messages.insertMany(rows);
}, 120_000);

afterAll(async () => {
  await ann?.messenger.close();
  await ben?.messenger.close();
  await relay?.close();
});

const modes = (dir: string) => readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => [f, statSync(path.join(dir, f)).mode & 0o777] as const);

describe('exporting a conversation', () => {
  it('writes 10,000 messages and their files to JSON that parses, 0600, and records it in the audit log', async () => {
    const out = path.join(tempDir(), 'json-export');
    const progress: number[] = [];
    const r = await ben.messenger.exports.write({ conversationIds: null, format: 'json', out }, (p) => progress.push(p.done));
    expect(r).toMatchObject({ conversations: 1, messages: 10_005, attachments: 2, files: ['conversations.json'] });
    expect(progress.at(-1)).toBe(10_005);
    const doc = JSON.parse(readFileSync(path.join(out, 'conversations.json'), 'utf8')) as {
      format: string; conversations: { name: string; safetyNumber: string; messages: { id: string; text: string; editedAt: number | null; deleted: boolean; replyTo: string | null; from: string; reactions: { from: string; emoji: string }[]; attachment: { name: string; file: string } | null }[] }[];
    };
    expect(doc.format).toBe('parley-export');
    const [conv] = doc.conversations;
    expect(conv!.name).toBe('Ann Example');
    expect(conv!.safetyNumber).toBe(ben.messenger.contacts.safetyNumber(ann.messenger.keys.accountId).groups.join(' '));
    expect(conv!.messages).toHaveLength(10_005);
    const byId = new Map(conv!.messages.map((m) => [m.id, m]));
    expect(byId.get(ids.edited)).toMatchObject({ text: 'final words', editedAt: expect.any(Number), deleted: false, reactions: [{ from: 'me', emoji: '👍' }] });
    expect(byId.get(ids.deleted)).toMatchObject({ text: '', deleted: true });
    expect(conv!.messages.find((m) => m.text === NEEDLE)).toMatchObject({ from: 'me', replyTo: ids.edited });
    const files = [ids.photo, ids.hostileFile].map((id) => byId.get(id)!.attachment!);
    expect(files.map((f) => f.name)).toEqual(['holiday.png', '../../../outside<b>.png']);
    expect(readFileSync(path.join(out, files[0]!.file)).equals(photo)).toBe(true);
    expect(files.every((f) => path.resolve(out, f.file).startsWith(path.join(out, 'attachments') + path.sep))).toBe(true);
    expect(readdirSync(path.dirname(out))).toEqual(['json-export']);
    expect(modes(out).filter(([, m]) => m !== 0o600 && m !== 0o700)).toEqual([]);
    expect(ben.messenger.store.audit.list(5).find((e) => e.kind === 'export.written')?.detail).toEqual({ format: 'json', conversations: 1, messages: 10_005, attachments: 2 });
  }, 120_000);

  it('writes a self-contained HTML page that Chromium, with scripts and network off, searches', async () => {
    const out = path.join(tempDir(), 'html-export');
    const r = await ben.messenger.exports.write({ conversationIds: [ann.messenger.keys.accountId], format: 'html', out }, () => undefined);
    expect(r.files).toEqual(['Ann Example.html']);
    const html = readFileSync(path.join(out, 'Ann Example.html'), 'utf8');
    expect(html).not.toMatch(/<script|https?:\/\/(?!example\.invalid)|<img|<link|@import|url\(/iu);
    expect(modes(out).filter(([, m]) => m !== 0o600 && m !== 0o700)).toEqual([]);

    const browser = await launchChromium();
    try {
      const context = await browser.newContext({ javaScriptEnabled: false });
      const requests: string[] = [];
      await context.route('**/*', (route) => {
        requests.push(route.request().url());
        return route.request().url().startsWith('file://') ? route.continue() : route.abort();
      });
      const page = await context.newPage();
      await page.goto(pathToFileURL(path.join(out, 'Ann Example.html')).href);
      expect(await page.getByText(NEEDLE).count()).toBe(1);
      expect(await page.getByText(HOSTILE).count()).toBe(1);
      expect(await page.locator('script, img').count()).toBe(0);
      expect(await page.title()).toBe('Ann Example · Parley');
      expect(await page.locator('article').count()).toBe(10_005);
      expect(await page.getByText('This message was deleted.').count()).toBe(1);
      expect(requests.every((u) => u.startsWith('file://'))).toBe(true);
      const link = await page.locator('a', { hasText: 'holiday.png' }).getAttribute('href');
      expect(readFileSync(path.join(out, decodeURIComponent(link!))).equals(photo)).toBe(true);
    } finally {
      await browser.close();
    }
  }, 120_000);

  it('refuses a folder that is not empty and writes nothing', async () => {
    const out = tempDir();
    writeFileSync(path.join(out, 'notes.txt'), 'mine');
    await expect(ben.messenger.exports.write({ conversationIds: null, format: 'html', out })).rejects.toMatchObject({ code: 'EXPORT_OUT_NOT_EMPTY' });
    expect(readdirSync(out)).toEqual(['notes.txt']);
  });
});
