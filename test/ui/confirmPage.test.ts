/**
 * The passphrase prompt main shows for a guarded key operation, loaded in
 * Chromium as the shell loads it (a `data:` URL) and driven by the same
 * script main runs in its isolated world. Electron itself is not installed
 * here; the page and the script are exactly the shell's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { answerOf, CONFIRM_ANSWER_SCRIPT, confirmPageHtml } from '../../src/main/security/confirmPage';

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

async function prompt(title: string): Promise<{ page: Page; answer: Promise<unknown>; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`data:text/html;charset=utf-8,${encodeURIComponent(confirmPageHtml({ title, detail: 'It will get your account key.', confirmLabel: 'Link device' }))}`);
  const answer = page.evaluate(CONFIRM_ANSWER_SCRIPT);
  await page.getByLabel('Type your Parley passphrase to confirm').waitFor();
  return { page, answer, errors };
}

describe('the passphrase prompt', () => {
  it('returns the typed passphrase on confirm and clears the field', async () => {
    const { page, answer } = await prompt('Link “Studio desktop” to your account?');
    await page.getByRole('heading', { name: 'Link “Studio desktop” to your account?' }).waitFor();
    const field = page.getByLabel('Type your Parley passphrase to confirm');
    await page.getByRole('button', { name: 'Link device' }).click();
    await field.fill('correct horse battery staple');
    await field.press('Enter');
    expect(answerOf(await answer)).toEqual({ confirmed: true, passphrase: 'correct horse battery staple' });
    expect(await field.inputValue()).toBe('');
    await page.close();
  });

  it('answers no on Cancel and on Escape', async () => {
    const a = await prompt('Revoke “Studio desktop”?');
    await a.page.getByRole('button', { name: 'Cancel' }).click();
    expect(answerOf(await a.answer)).toEqual({ confirmed: false });
    const b = await prompt('Revoke “Studio desktop”?');
    await b.page.keyboard.press('Escape');
    expect(answerOf(await b.answer)).toEqual({ confirmed: false });
    await a.page.close();
    await b.page.close();
  });

  it('shows a hostile device name as text and runs no script from it', async () => {
    const hostile = 'Link “<img src=x onerror=document.title=1><script>document.title=2</script>”?';
    const { page, answer } = await prompt(hostile);
    await page.getByRole('heading', { name: hostile }).waitFor();
    expect(await page.locator('img, script').count()).toBe(0);
    expect(await page.title()).toBe(hostile);
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect(answerOf(await answer)).toEqual({ confirmed: false });
    await page.close();
  });
});
