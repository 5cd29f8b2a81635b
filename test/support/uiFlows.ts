/**
 * Flows the UI tests share: cores on their own profile directories, onboarding
 * through the real screens, adding a contact from a screenshot of the other
 * side's QR code, and finding the composer and message bubbles.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import type { Page } from 'playwright-core';
import { createCore, type Core } from '../../src/main/app/core';
import type { AppWindow } from './uiHarness';
import { TEST_PASSPHRASE, TEST_PWHASH } from './chatHarness';

/** Cores on a shared relay, each with its own fresh profile directory; `closeAll` closes them all. */
export class TestCores {
  readonly cores: Core[] = [];
  readonly dirs: string[] = [];
  constructor(private readonly relayUrl: string) {}

  /** A core on a new profile directory; `exportsDir` is where Settings → Export writes (the shell's is under Documents). */
  create(options: { exportsDir?: string } = {}): Core {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'parley-ui-profile-'));
    this.dirs.push(dataDir);
    const core = this.#open(dataDir, options.exportsDir);
    this.cores.push(core);
    return core;
  }

  #open(dataDir: string, exportsDir?: string): Core {
    return createCore({ identity: { name: 'Parley', version: '0.1.0', platform: 'linux' }, relayUrl: this.relayUrl, dataDir, pwhash: TEST_PWHASH, exportsDir });
  }

  /** Closes the i-th core and opens a new one on the same profile directory (an app restart); returns it. */
  async reopen(i: number): Promise<Core> {
    await this.cores[i]!.close();
    const core = this.#open(this.dirs[i]!);
    this.cores[i] = core;
    return core;
  }

  async closeAll(): Promise<void> {
    for (const c of this.cores) await c.close();
  }
}

/** Creates an account on the welcome screen and confirms its phrase; returns the 24 words it showed. */
export async function onboard(w: AppWindow, name: string, shot: string): Promise<string[]> {
  const p = w.page;
  await p.getByRole('button', { name: 'Create a new account' }).click();
  await p.getByLabel('Your name').fill(name);
  await p.getByLabel('Passphrase', { exact: true }).fill(TEST_PASSPHRASE);
  await p.getByLabel('Repeat passphrase').fill(TEST_PASSPHRASE);
  if (shot) await w.screenshot(`${shot}-create-account`);
  await p.getByRole('button', { name: 'Create account' }).click();
  return confirmShownPhrase(w, shot);
}

/** Reads the 24 words the phrase screen shows, confirms the three asked for, and waits for the main screen. */
export async function confirmShownPhrase(w: AppWindow, shot: string): Promise<string[]> {
  const p = w.page;
  const list = p.getByRole('list', { name: 'Recovery phrase' });
  await list.waitFor();
  const words = (await list.locator('.phrase__w').allTextContents()).map((w) => w.trim());
  expect(words).toHaveLength(24);
  if (shot) await w.screenshot(`${shot}-recovery-phrase`);
  await p.getByRole('button', { name: 'I wrote it down' }).click();
  for (const label of await p.locator('.field__label').allTextContents()) {
    const n = Number(/Word (\d+)/u.exec(label)?.[1]);
    await p.getByLabel(label, { exact: true }).fill(words[n - 1]!);
  }
  if (shot) await w.screenshot(`${shot}-confirm-phrase`);
  await p.getByRole('button', { name: 'Confirm' }).click();
  await p.getByRole('complementary', { name: 'Sidebar' }).waitFor();
  return words;
}

/**
 * `adder` adds `owner` as a contact named `ownerName` by opening a screenshot
 * of the owner's invite QR code, and the owner learns `adderName` from the
 * encrypted introduction. Returns the PNG that was decoded.
 */
export async function addContactFromQr(owner: AppWindow, ownerName: string, adder: AppWindow, adderName: string, shot = ''): Promise<Buffer> {
  await owner.page.getByRole('button', { name: 'Add contact' }).click();
  const qr = owner.page.getByRole('img', { name: 'Your invite QR code' });
  await qr.waitFor();
  const png = await qr.screenshot();
  if (shot) await owner.screenshot(shot);
  await owner.page.getByRole('button', { name: 'Close' }).click();

  await adder.page.getByRole('button', { name: 'Add contact' }).click();
  await adder.page.getByLabel('Open QR image').setInputFiles({ name: 'invite.png', mimeType: 'image/png', buffer: png });
  await expect.poll(() => adder.page.getByLabel('Invite code', { exact: true }).inputValue()).toMatch(/^parley1/);
  await adder.page.getByLabel('Name', { exact: true }).fill(ownerName);
  await adder.page.getByRole('button', { name: 'Add contact' }).last().click();
  await adder.page.getByRole('heading', { name: ownerName }).waitFor();
  await owner.page.getByRole('button', { name: new RegExp(adderName) }).waitFor();
  return png;
}

export const composer = (p: Page) => p.getByRole('textbox', { name: 'Message', exact: true });
/** The text of every row the open chat's message list rendered, in list order (a short list renders whole). */
export const chatRowTexts = (p: Page): Promise<string[]> =>
  p.evaluate(() =>
    [...document.querySelectorAll('[role="log"] [data-index]')]
      .sort((a, b) => Number(a.getAttribute('data-index')) - Number(b.getAttribute('data-index')))
      .map((e) => e.textContent ?? ''),
  );

export const bubble = (p: Page, text: string) => p.getByRole('log', { name: 'Messages' }).getByRole('article', { name: new RegExp(text) });

/** Types `text` into the open conversation and sends it with Enter. */
export async function send(p: Page, text: string): Promise<void> {
  await composer(p).fill(text);
  await composer(p).press('Enter');
}
