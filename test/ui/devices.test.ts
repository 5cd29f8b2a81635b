/**
 * One account on several desktops in the real UI: a second desktop links by
 * the QR code it renders (screenshotted and opened on the first), gets the
 * history, sends and receives on both; the first revokes it and it wipes
 * itself; a fresh install restores the account from the 24 words. Every
 * desktop is its own Chromium context over its own core and encrypted store,
 * through a real relay on loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { Core } from '../../src/main/app/core';
import type { TransferProgressDto } from '../../src/shared/contract';
import { checkPhrase } from '../../src/shared/recoveryPhrase';
import { launchChromium } from '../support/browser';
import { openApp, type AppWindow } from '../support/uiHarness';
import { startTestRelay } from '../support/relayHarness';
import { TEST_PASSPHRASE } from '../support/chatHarness';
import { addContactFromQr, bubble, composer, confirmShownPhrase, onboard, send, TestCores } from '../support/uiFlows';

const ANN = 'Astrid Halvorsen';
const BEN = 'Benedikt Oyelaran';
const STUDIO = 'Studio desktop';
const RESCUE = 'Rescue desktop';
/** Old messages put straight into the first desktop's store, so transfers run long enough to watch. */
const BULK = 20_000;

let relay: Awaited<ReturnType<typeof startTestRelay>>;
let browser: Browser;
let cores: TestCores;
let desk1: AppWindow;
let desk2: AppWindow;
let desk3: AppWindow;
let ben: AppWindow;
let annCore: Core;
let benCore: Core;
let desk2Core: Core;
let phrase: string[] = [];
let annId = '';

const accountOf = (core: Core) => core.session.require().keys.accountId;
/** The devices of Ann's that Ben's client encrypts to. */
const annDevicesAtBen = () =>
  benCore.session.require().store.db.prepare('SELECT device_id FROM contact_devices WHERE account_id = ?').pluck().all(annId) as string[];

/** Calls the test holds in flight, by name, until it lets them go. */
const held = new Map<string, Promise<void>>();
const beforeCall = (name: string) => held.get(name);
function hold(name: string): () => void {
  let release = () => {};
  held.set(name, new Promise<void>((r) => (release = r)));
  return () => {
    held.delete(name);
    release();
  };
}

type Stages = { __stages: string[]; parley: { onTransferProgress(l: (e: { stage: string }) => void): () => void } };
/** Records, from now on, the stages of `transferProgress` the page receives. */
const recordStages = (p: Page) =>
  p.evaluate(() => {
    const w = window as unknown as Stages;
    if (!w.__stages) w.parley.onTransferProgress((e) => w.__stages.at(-1) !== e.stage && w.__stages.push(e.stage));
    w.__stages = [];
  });
const stagesOf = (p: Page) => p.evaluate(() => (window as unknown as Stages).__stages);

/**
 * Real transfers here take milliseconds, too fast to see. While the call is
 * held, delivers one progress event as main sends it and saves the screen.
 */
async function showProgress(w: AppWindow, progress: Omit<TransferProgressDto, 'error'>, bar: string, text: string, shot: string): Promise<void> {
  await w.deliver('transferProgress', { ...progress, error: null });
  const status = w.page.getByRole('status').filter({ has: w.page.getByRole('progressbar', { name: bar, exact: true }) });
  await status.getByText(text).waitFor();
  expect(await status.getByRole('progressbar').evaluate((el: HTMLProgressElement) => [el.value, el.max])).toEqual([progress.done, progress.total]);
  await w.screenshot(shot);
}

async function fillNewDevice(p: Page, deviceName: string): Promise<void> {
  await p.getByLabel('Device name').fill(deviceName);
  await p.getByLabel('Passphrase', { exact: true }).fill(TEST_PASSPHRASE);
  await p.getByLabel('Repeat passphrase').fill(TEST_PASSPHRASE);
}

async function safetyNumberAtBen(): Promise<string> {
  await ben.page.getByRole('button', { name: 'Safety number' }).click();
  const digits = (await ben.page.getByRole('group', { name: 'Safety number', exact: true }).textContent())!.replace(/\s/gu, '');
  await ben.page.getByRole('button', { name: 'Close' }).click();
  return digits;
}

/** Two valid words swapped so that the checksum fails (almost any swap does; this finds one for certain). */
function swapBreakingChecksum(words: readonly string[]): [number, number] {
  for (let i = 0; i < words.length; i++) {
    for (let j = i + 1; j < words.length; j++) {
      if (words[i] === words[j]) continue;
      const w = [...words];
      [w[i], w[j]] = [w[j]!, w[i]!];
      const r = checkPhrase(w.join(' '));
      if (!r.ok && r.code === 'PHRASE_CHECKSUM') return [i, j];
    }
  }
  throw new Error('no swap breaks the checksum');
}

beforeAll(async () => {
  relay = await startTestRelay();
  cores = new TestCores(relay.url);
  browser = await launchChromium();
  annCore = cores.create();
  benCore = cores.create();
  desk2Core = cores.create();
  desk1 = await openApp(browser, annCore, { beforeCall });
  ben = await openApp(browser, benCore, { colorScheme: 'dark' });
  desk2 = await openApp(browser, desk2Core);
  desk3 = await openApp(browser, cores.create(), { beforeCall });
  await desk2.context.grantPermissions(['clipboard-read', 'clipboard-write']);
});

afterAll(async () => {
  for (const w of [desk1, desk2, desk3, ben]) await w?.close();
  await cores?.closeAll();
  await browser?.close();
  await relay?.close();
});

describe('one account on several desktops', () => {
  it('onboards Ann on her first desktop and Ben, and they exchange messages', async () => {
    phrase = await onboard(desk1, ANN, '');
    annId = accountOf(annCore);
    await onboard(ben, BEN, '');
    await addContactFromQr(ben, BEN, desk1, ANN);
    await send(desk1.page, 'Written before the second desktop');
    await ben.page.getByRole('button', { name: new RegExp(ANN) }).click();
    await bubble(ben.page, 'Written before the second desktop').waitFor();
    await send(ben.page, 'An answer from before the link');
    await bubble(desk1.page, 'An answer from before the link').waitFor();

    const store = annCore.session.require().store;
    const conversationId = accountOf(benCore);
    const start = Date.now() - 60 * 86_400_000;
    store.messages.insertMany(
      Array.from({ length: BULK }, (_, n) => ({
        id: `bulk-${String(n).padStart(6, '0')}`,
        conversationId,
        sender: n % 2 ? conversationId : annId,
        direction: n % 2 ? ('in' as const) : ('out' as const),
        body: `Archived line ${n}`,
        sentAt: start + n * 60_000,
        receivedAt: start + n * 60_000,
        state: 'delivered' as const,
      })),
    );
    store.db.prepare(`UPDATE messages SET unread = 0 WHERE id LIKE 'bulk-%'`).run();
  });

  it('offers to link or restore on the welcome screen, and asks a new desktop for its name and passphrase', async () => {
    const p = desk2.page;
    for (const name of ['Create a new account', 'Link to an existing account', 'Restore from recovery phrase']) await p.getByRole('button', { name }).waitFor();
    await desk2.screenshot('devices-welcome');
    await p.getByRole('button', { name: 'Link to an existing account' }).click();
    await p.getByRole('heading', { name: 'Link to an existing account' }).waitFor();
    expect(await p.getByLabel('Device name').inputValue()).toBe('My desktop');
    await p.getByLabel('Passphrase', { exact: true }).fill('short');
    await p.getByRole('button', { name: 'Show link code' }).click();
    await p.getByRole('alert').getByText('at least 8 characters').waitFor();
    await fillNewDevice(p, STUDIO);
    await desk2.screenshot('devices-link-form');
  });

  it('cancels a shown link code, says so, and tries again with a new one', async () => {
    const p = desk2.page;
    await p.getByRole('button', { name: 'Show link code' }).click();
    const first = await p.getByLabel('Link code', { exact: true }).textContent();
    await p.getByRole('button', { name: 'Cancel' }).click();
    await p.getByRole('heading', { name: 'Linking stopped' }).waitFor();
    await p.getByRole('alert').getByText('Linking was cancelled.').waitFor();
    await p.getByText('Nothing was stored on this desktop.').waitFor();
    await desk2.screenshot('devices-link-cancelled');
    await p.getByRole('button', { name: 'Try again' }).click();
    await expect.poll(() => p.getByLabel('Link code', { exact: true }).textContent()).toMatch(/^parleylink1/u);
    expect(await p.getByLabel('Link code', { exact: true }).textContent()).not.toBe(first);
  });

  it('links the second desktop by opening a screenshot of the QR code it shows on the first one', async () => {
    const p = desk2.page;
    const qr = p.getByRole('img', { name: 'Link QR code' });
    await qr.waitFor();
    await p.getByText('On your other desktop, open Devices → Link a new device and scan this code').waitFor();
    await p.getByText(/^This code expires in \d+:\d\d\.$/u).waitFor();
    await p.getByRole('status').getByText('Waiting for your other desktop').waitFor();
    const code = await p.getByLabel('Link code', { exact: true }).textContent();
    expect(code).toMatch(/^parleylink1/u);
    await p.getByRole('button', { name: 'Copy link code' }).click();
    expect(await p.evaluate(() => navigator.clipboard.readText())).toBe(code);
    await desk2.screenshot('devices-link-code');
    const png = await qr.screenshot();

    await desk1.page.getByRole('button', { name: 'Devices' }).click();
    const dialog = desk1.page.getByRole('dialog', { name: 'Devices' });
    await dialog.getByRole('list', { name: 'Your desktops' }).getByText('This desktop').waitFor();
    await desk1.screenshot('devices-dialog-one');
    await dialog.getByRole('button', { name: 'Link a new device' }).click();
    const linkDialog = desk1.page.getByRole('dialog', { name: 'Link a new device' });
    await linkDialog.getByLabel('Link code').waitFor();
    await desk1.screenshot('devices-link-new');
    await linkDialog.getByLabel('Open QR image').setInputFiles({ name: 'link.png', mimeType: 'image/png', buffer: png });
    await linkDialog.getByRole('heading', { name: `Link “${STUDIO}”?` }).waitFor();
    const shownOnFirst = await linkDialog.getByLabel('Short code').textContent();
    expect(shownOnFirst).toMatch(/^\d{4} \d{4}$/u);
    await linkDialog.getByText(`your account “${ANN}” and this code`).waitFor();
    const history = linkDialog.getByLabel('History to send');
    expect(await history.inputValue()).toBe('90');
    expect(await history.locator('option').allTextContents()).toEqual(['Last 30 days', 'Last 90 days', 'All history']);
    await desk1.screenshot('devices-link-confirm');

    const release = hold('acceptLink');
    await linkDialog.getByRole('button', { name: 'Link device' }).click();
    await linkDialog.getByRole('button', { name: 'Linking…' }).waitFor();
    await showProgress(desk1, { kind: 'provision', stage: 'sending', done: 96_000, total: 256_000 }, 'Sending history', 'Sending history: 93.8 KB of 250.0 KB', 'devices-link-sending');
    await showProgress(desk2, { kind: 'link', stage: 'receiving', done: 96_000, total: 256_000 }, 'Receiving history', 'Receiving history: 93.8 KB of 250.0 KB', 'devices-link-receiving');
    await showProgress(desk2, { kind: 'link', stage: 'importing', done: 7_000, total: BULK + 2 }, 'Importing messages', 'Importing messages: 7,000 of 20,002', 'devices-link-importing');
    await recordStages(desk1.page);
    await recordStages(p);
    release();

    await linkDialog.getByText(`“${STUDIO}” is linked.`).waitFor({ timeout: 60_000 });
    expect(await linkDialog.getByLabel('Short code').textContent()).toBe(shownOnFirst);
    await desk1.screenshot('devices-link-done');
    expect(await stagesOf(desk1.page)).toEqual(['packing', 'sending', 'done']);
    // The new desktop stores nothing until the user says its code is the one the first desktop shows.
    await p.getByRole('heading', { name: 'Is this your account?' }).waitFor({ timeout: 60_000 });
    await p.getByText(ANN, { exact: true }).waitFor();
    expect(await p.getByLabel('Short code').textContent()).toBe(shownOnFirst);
    await desk2.screenshot('devices-link-check');
    await p.getByRole('button', { name: 'They match: link' }).click();
    await p.getByRole('complementary', { name: 'Sidebar' }).waitFor({ timeout: 60_000 });
    expect(await stagesOf(p)).toEqual(['receiving', 'importing', 'done']);
    await p.getByRole('button', { name: new RegExp(BEN) }).click();
    await bubble(p, 'Written before the second desktop').waitFor();
    await bubble(p, 'An answer from before the link').waitFor();
    expect(await bubble(p, 'Written before the second desktop').getAttribute('aria-label')).toBe('You: Written before the second desktop');
    await desk2.screenshot('devices-linked-history');

    await linkDialog.getByRole('button', { name: 'Done' }).click();
    const list = dialog.getByRole('list', { name: 'Your desktops' });
    await list.getByRole('listitem', { name: STUDIO }).waitFor();
    expect(await list.getByRole('listitem').count()).toBe(2);
    await desk1.screenshot('devices-dialog-two');
    await dialog.getByRole('button', { name: 'Close' }).click();
  });

  it('shows Ben’s message on both of Ann’s desktops, and Ann’s reply from the second desktop on the first as sent', async () => {
    await expect.poll(() => annDevicesAtBen().length, { timeout: 20_000 }).toBe(2);
    await send(ben.page, 'Both of your desktops should see this');
    await bubble(desk1.page, 'Both of your desktops should see this').waitFor();
    await bubble(desk2.page, 'Both of your desktops should see this').waitFor();

    await send(desk2.page, 'Replying from the studio');
    await bubble(ben.page, 'Replying from the studio').waitFor();
    await desk1.page.getByRole('article', { name: 'You: Replying from the studio' }).waitFor();
    await desk1.screenshot('devices-reply-from-second');
  });

  it('revokes the second desktop from the first: it returns to the welcome screen, and Ben’s next message reaches the first only', async () => {
    await desk1.page.getByRole('button', { name: 'Devices' }).click();
    const dialog = desk1.page.getByRole('dialog', { name: 'Devices' });
    await dialog.getByRole('button', { name: `Revoke ${STUDIO}` }).click();
    await dialog.getByRole('group', { name: `Revoke ${STUDIO}?` }).waitFor();
    await desk1.screenshot('devices-revoke-confirm');
    await dialog.getByRole('button', { name: 'Revoke device' }).click();
    await dialog.getByRole('listitem', { name: STUDIO }).waitFor({ state: 'detached' });
    // The removed desktop still holds the account key: the Devices screen offers "Remove and secure" (taken up in test/ui/confirm.test.ts).
    const offer = dialog.getByRole('region', { name: 'Remove and secure' });
    await offer.getByText(`“${STUDIO}” is removed, but it still has a copy of your account key.`).waitFor();
    await desk1.screenshot('devices-revoked');
    await offer.getByRole('button', { name: 'Not now' }).click();
    await offer.waitFor({ state: 'detached' });
    await dialog.getByRole('button', { name: 'Close' }).click();

    await desk2.page.getByRole('status').getByText('This desktop was removed from your account').waitFor({ timeout: 20_000 });
    await desk2.page.getByRole('button', { name: 'Link to an existing account' }).waitFor();
    await desk2.screenshot('devices-removed-notice');
    expect(desk2Core.session.messenger).toBeNull();
    expect(existsSync(path.join(cores.dirs[2]!, 'parley.keys'))).toBe(false);

    await expect.poll(() => annDevicesAtBen().length, { timeout: 20_000 }).toBe(1);
    await send(ben.page, 'Only the first desktop now');
    await bubble(desk1.page, 'Only the first desktop now').waitFor();
  });

  it('backs up on request from Settings', async () => {
    await desk1.page.getByRole('button', { name: 'Settings' }).click();
    const dialog = desk1.page.getByRole('dialog', { name: 'Settings' });
    const backup = dialog.getByRole('region', { name: 'Backup' });
    await backup.getByRole('status').waitFor();
    const before = await backup.getByRole('status').textContent();
    expect(before).toMatch(/^(Not backed up yet|Last backup: )/u);
    await backup.getByRole('button', { name: 'Back up now' }).click();
    await backup.getByRole('button', { name: 'Back up now' }).waitFor();
    await expect.poll(() => backup.getByRole('status').textContent(), { timeout: 30_000 }).toMatch(/^Last backup: /u);
    expect(await backup.getByRole('alert').count()).toBe(0);
    await desk1.screenshot('devices-settings-backup');
    await dialog.getByRole('button', { name: 'Close' }).click();
  });

  it('restores the account on a fresh install from the phrase, after flagging a wrong word, a wrong checksum and a missing word', async () => {
    const safetyBefore = await safetyNumberAtBen();
    const p = desk3.page;
    const word = (n: number) => p.getByLabel(`Word ${n}`, { exact: true });
    await p.getByRole('button', { name: 'Restore from recovery phrase' }).click();
    await p.getByRole('heading', { name: 'Restore from recovery phrase' }).waitFor();
    await desk3.screenshot('devices-restore-empty');

    // Pasting the whole phrase into the first box fills all 24.
    await word(1).fill(phrase.join(' '));
    for (let n = 1; n <= 24; n++) expect(await word(n).inputValue()).toBe(phrase[n - 1]);

    await word(5).fill('notaword');
    expect(await word(5).getAttribute('aria-invalid')).toBe('true');
    await p.getByText('Word 5 (“notaword”) is not in the recovery word list.').waitFor();
    expect(await word(5).getAttribute('aria-describedby')).toBeTruthy();
    await desk3.screenshot('devices-restore-wrong-word');
    await p.getByRole('button', { name: 'Continue' }).click();
    await p.getByRole('alert').getByText('Word 5 (“notaword”) is not in the recovery word list.').waitFor();
    await word(5).fill(phrase[4]!);
    expect(await word(5).getAttribute('aria-invalid')).toBeNull();

    const [i, j] = swapBreakingChecksum(phrase);
    await word(i + 1).fill(phrase[j]!);
    await word(j + 1).fill(phrase[i]!);
    await p.getByRole('button', { name: 'Continue' }).click();
    await p.getByRole('alert').getByText('the checksum does not match').waitFor();
    await desk3.screenshot('devices-restore-checksum');
    await word(i + 1).fill(phrase[i]!);
    await word(j + 1).fill(phrase[j]!);

    await word(24).fill('');
    await p.getByRole('button', { name: 'Continue' }).click();
    await p.getByRole('alert').getByText('A recovery phrase has 24 words; this one has 23.').waitFor();
    await word(24).fill(phrase[23]!);
    await p.getByRole('button', { name: 'Continue' }).click();

    await p.getByText('Your phrase checks out.').waitFor();
    await fillNewDevice(p, RESCUE);
    await desk3.screenshot('devices-restore-device');
    const release = hold('restoreAccount');
    await p.getByRole('button', { name: 'Restore account' }).click();
    await p.getByRole('button', { name: 'Restoring…' }).waitFor();
    await showProgress(desk3, { kind: 'restore', stage: 'receiving', done: 1, total: 3 }, 'Downloading backup', 'Downloading backup: part 1 of 3', 'devices-restore-progress');
    await recordStages(p);
    release();
    await p.getByRole('complementary', { name: 'Sidebar' }).waitFor({ timeout: 60_000 });
    expect(await stagesOf(p)).toEqual(['receiving', 'importing', 'done']);
    await p.getByRole('status').getByText(/Your account is back, with [\d,]+ messages from your backup/u).waitFor();
    await p.getByRole('button', { name: new RegExp(BEN) }).click();
    await bubble(p, 'Only the first desktop now').waitFor();
    await bubble(p, 'Replying from the studio').waitFor();
    await desk3.screenshot('devices-restored');

    expect(await safetyNumberAtBen()).toBe(safetyBefore);
    // The restored account names only this desktop: Ben reaches it, and the first desktop, left out, removes itself.
    const rescue = cores.cores[3]!.session.require().keys;
    expect(rescue.accountId).toBe(annId);
    await expect.poll(annDevicesAtBen, { timeout: 20_000 }).toContain(rescue.deviceId);
    await send(ben.page, 'Welcome back');
    await bubble(p, 'Welcome back').waitFor();
    await desk1.page.getByRole('status').getByText('This desktop was removed from your account').waitFor({ timeout: 20_000 });
    await desk1.screenshot('devices-removed-after-restore');
  });

  it('rotates the recovery phrase from Settings: the new phrase is confirmed, and Ben must accept the changed safety number', async () => {
    const p = desk3.page;
    const before = await safetyNumberAtBen();
    await p.getByRole('button', { name: 'Settings' }).click();
    await p.getByRole('button', { name: 'New recovery phrase…' }).click();
    await desk3.screenshot('devices-rotate-confirm');
    await p.getByRole('button', { name: 'Make new phrase' }).click();
    const words = await confirmShownPhrase(desk3, 'devices-rotate');
    expect(words).not.toEqual(phrase);
    expect(accountOf(cores.cores[3]!)).not.toBe(annId);

    const accept = ben.page.getByRole('button', { name: 'Accept new safety number' });
    await accept.waitFor({ timeout: 20_000 });
    expect(await composer(ben.page).isDisabled()).toBe(true);
    await ben.screenshot('devices-rotate-warning');
    await accept.click();
    await ben.page.getByRole('button', { name: new RegExp(ANN) }).click();
    expect(await safetyNumberAtBen()).not.toBe(before);
    await send(ben.page, 'Accepted your new key');
    await bubble(p, 'Accepted your new key').waitFor({ timeout: 20_000 });
  });

  it('ran without a page error on any desktop', () => {
    for (const w of [desk1, desk2, desk3, ben]) expect(w.errors).toEqual([]);
  });
});
