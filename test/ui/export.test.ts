/**
 * Settings → Export in the real UI (issue 16): the export waits behind
 * main's own confirmation (a "no" writes nothing), shows a progress bar
 * while it writes a conversation of 20,000 messages and a file, then says
 * what it wrote; the audit log in the same dialog shows the export at once.
 * The HTML page it wrote opens in Chromium with scripts and the network
 * blocked, and the text a contact sent is found on it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import type { Core } from '../../src/main/app/core';
import type { NewMessage } from '../../src/main/store';
import { launchChromium } from '../support/browser';
import { openApp, type AppWindow } from '../support/uiHarness';
import { startTestRelay } from '../support/relayHarness';
import { eventually, TEST_PASSPHRASE } from '../support/chatHarness';
import { SAYS_NO, SAYS_YES, ScriptedConfirmer } from '../support/scriptedConfirmer';
import { onboard, TestCores } from '../support/uiFlows';

const ANN = 'Annika Export';
const BEN = 'Bruno Archivist';
const NEEDLE = 'the quince jam recipe from grandmother';
const BULK = 20_000;
const photo = Buffer.from(Array.from({ length: 40_000 }, (_, i) => (i * 31) % 256));

let relay: Awaited<ReturnType<typeof startTestRelay>>;
let browser: Browser;
let cores: TestCores;
let ann: AppWindow;
let annCore: Core;
let benCore: Core;
const exportsDir = mkdtempSync(path.join(os.tmpdir(), 'parley-ui-exports-'));
const user = new ScriptedConfirmer(SAYS_YES);

beforeAll(async () => {
  relay = await startTestRelay();
  cores = new TestCores(relay.url);
  browser = await launchChromium();
  annCore = cores.create({ exportsDir });
  ann = await openApp(browser, annCore, { confirmer: user });
  benCore = cores.create();
  await onboard(ann, ANN, '');
  await benCore.session.create({ name: BEN, passphrase: TEST_PASSPHRASE, useKeychain: false });
  const annM = annCore.session.require();
  const benM = benCore.session.require();
  await benM.waitOnline();
  await benM.contacts.add(annM.account.invite(), ANN);
  const annId = annM.keys.accountId;
  await benM.conversations.sendText(annId, NEEDLE);
  const upload = benM.attachments.begin(annId, 'jam jar.png', 'image/png', photo.length);
  await benM.attachments.append(upload, photo);
  const file = await benM.attachments.finish(upload);
  await eventually(() => annM.store.attachments.forMessage(file.id)[0]?.localPath, 30_000);
  // The bulk of a long conversation, older than the texts above, in Ann's real store.
  const benId = benM.keys.accountId;
  const rows: NewMessage[] = Array.from({ length: BULK }, (_, i) => ({
    id: `bulk-${String(i).padStart(16, '0')}`, conversationId: benId, sender: i % 2 ? benId : annId, direction: i % 2 ? 'in' : 'out',
    body: `older message number ${i}`, sentAt: 1_600_000_000_000 + i, receivedAt: 1_600_000_000_000 + i, state: 'read',
  }));
  annM.store.messages.insertMany(rows);
}, 180_000);

afterAll(async () => {
  await ann?.close();
  await cores?.closeAll();
  await browser?.close();
  await relay?.close();
});

const exportButton = () => ann.page.getByRole('button', { name: /^Export…$|^Exporting…$/u });

describe('Settings → Export', () => {
  it('writes nothing when the user says no at main’s confirmation', async () => {
    await ann.page.getByRole('button', { name: 'Settings' }).click();
    await ann.page.getByRole('heading', { name: 'Export' }).waitFor();
    user.next(SAYS_NO);
    await exportButton().click();
    await ann.page.getByRole('alert').filter({ hasText: 'You did not confirm it' }).waitFor();
    expect(user.asked.at(-1)).toMatchObject({ kind: 'export', requirePassphrase: true });
    expect(readdirSync(exportsDir)).toEqual([]);
  });

  it('asks in main first, shows a progress bar while it writes, then says what it wrote and logs it', async () => {
    await ann.page.getByLabel('Format').selectOption('html');
    const release = user.hold();
    await exportButton().click();
    // The question is open in main: the button waits, nothing is written yet.
    await ann.page.getByRole('button', { name: 'Exporting…' }).waitFor();
    await eventually(() => user.asked.length === 2);
    expect(user.asked[1]!.detail).toContain(exportsDir);
    expect(readdirSync(exportsDir)).toEqual([]);
    await exportButton().scrollIntoViewIfNeeded();
    await ann.screenshot('export-confirming');
    release();

    const bar = ann.page.getByRole('progressbar', { name: 'Exporting messages' });
    await bar.waitFor();
    await bar.scrollIntoViewIfNeeded();
    await ann.screenshot('export-progress');
    const status = ann.page.getByRole('status').filter({ hasText: /^Exported 1 conversation / });
    await status.waitFor({ timeout: 120_000 });
    expect(await status.textContent()).toMatch(new RegExp(`^Exported 1 conversation \\(${(BULK + 2).toLocaleString('en-US')} messages, 1 file\\) to ${exportsDir}/Parley export `, 'u'));
    // The audit log in the same dialog already shows it (and the refusal before it).
    const audit = ann.page.getByRole('table', { name: 'Audit log' });
    await audit.getByRole('row').filter({ hasText: 'Conversations exported as plaintext' }).waitFor();
    await status.scrollIntoViewIfNeeded();
    await ann.screenshot('export-done');
    expect(ann.errors).toEqual([]);
  });

  it('writes a second export started in the same second to its own numbered folder', async () => {
    // The folder is named for the second it starts in: take the next seconds' names first, so this export must number its own.
    const stamp = (at: number) => new Date(at).toISOString().slice(0, 19).replace('T', ' ').replaceAll(':', '-');
    const now = Date.now();
    // The previous test's export may hold this second's name already (it started in the same second): taken either way,
    // but only the folders made here are checked and removed.
    const taken = Array.from({ length: 30 }, (_, i) => path.join(exportsDir, `Parley export ${stamp(now + i * 1000)}`)).filter((dir) => !existsSync(dir));
    for (const dir of taken) mkdirSync(dir);
    await ann.page.getByLabel('Format').selectOption('json');
    await exportButton().click();
    const status = ann.page.getByRole('status').filter({ hasText: /^Exported 1 conversation / });
    await status.filter({ hasText: /\(2\)$/u }).waitFor({ timeout: 120_000 });
    const numbered = readdirSync(exportsDir).filter((f) => f.endsWith(' (2)'));
    expect(numbered).toHaveLength(1);
    expect(readdirSync(path.join(exportsDir, numbered[0]!)).sort()).toEqual(['attachments', 'conversations.json']);
    for (const dir of taken) expect(readdirSync(dir)).toEqual([]);
    for (const dir of taken) rmSync(dir, { recursive: true });
  });

  it('wrote a page that Chromium, with scripts and the network blocked, opens and finds the contact’s text on', async () => {
    const [folder] = readdirSync(exportsDir).filter((f) => !f.endsWith(' (2)'));
    const out = path.join(exportsDir, folder!);
    expect(readdirSync(out).sort()).toEqual([`${BEN}.html`, 'attachments']);
    expect(statSync(path.join(out, `${BEN}.html`)).mode & 0o777).toBe(0o600);
    const context = await browser.newContext({ javaScriptEnabled: false });
    try {
      const requests: string[] = [];
      await context.route('**/*', (route) => {
        requests.push(route.request().url());
        return route.request().url().startsWith('file://') ? route.continue() : route.abort();
      });
      const page = await context.newPage();
      await page.goto(pathToFileURL(path.join(out, `${BEN}.html`)).href);
      expect(await page.getByText(NEEDLE).count()).toBe(1);
      expect(await page.locator('article').count()).toBe(BULK + 2);
      const link = await page.locator('a', { hasText: 'jam jar.png' }).getAttribute('href');
      expect(readFileSync(path.join(out, decodeURIComponent(link!))).equals(photo)).toBe(true);
      expect(requests.every((u) => u.startsWith('file://'))).toBe(true);
    } finally {
      await context.close();
    }
  });
});
