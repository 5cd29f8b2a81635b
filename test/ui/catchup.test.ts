/**
 * Catch-up after being away, in the real UI (issue 15): 2,000 texts wait on
 * a real relay while Ann's app is locked; when she unlocks, the connection
 * badge counts "Receiving N of 2,000" once per batch (never once per
 * message), the renderer gets row events per batch, the conversation opens
 * while the catch-up runs, and the page never blocks for long. The labels
 * and long tasks are recorded inside the page (a MutationObserver and a
 * PerformanceObserver), so no state that passes quickly is missed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { Core } from '../../src/main/app/core';
import { launchChromium } from '../support/browser';
import { openApp, type AppWindow } from '../support/uiHarness';
import { startTestRelay } from '../support/relayHarness';
import { eventually, TEST_PASSPHRASE } from '../support/chatHarness';
import { bubble, onboard, TestCores } from '../support/uiFlows';

const ANN = 'Annika Away';
const BEN = 'Benno Chatty';
const TEXTS = 2_000;

let relay: Awaited<ReturnType<typeof startTestRelay>>;
let browser: Browser;
let cores: TestCores;
let ann: AppWindow;
let annCore: Core;
let benCore: Core;

beforeAll(async () => {
  relay = await startTestRelay();
  cores = new TestCores(relay.url);
  browser = await launchChromium();
  annCore = cores.create();
  ann = await openApp(browser, annCore);
  benCore = cores.create();
  await onboard(ann, ANN, '');
  await benCore.session.create({ name: BEN, passphrase: TEST_PASSPHRASE, useKeychain: false });
  await benCore.session.require().waitOnline();
  await benCore.session.require().contacts.add(annCore.session.require().account.invite(), ANN);
  await ann.page.getByRole('button', { name: new RegExp(BEN) }).waitFor();
}, 120_000);

afterAll(async () => {
  await ann?.close();
  await cores?.closeAll();
  await browser?.close();
  await relay?.close();
});

/** What the page recorded: every label the connection badge showed, in order, and the longest task that blocked it. */
const recorded = () => ann.page.evaluate(() => (window as unknown as { __catchup: { labels: string[]; longestTaskMs: number } }).__catchup);

describe('catching up on 2,000 texts', () => {
  it('counts “Receiving N of 2,000” per batch while the conversation stays usable, then shows Connected', async () => {
    const annId = annCore.session.require().keys.accountId;
    await ann.page.getByRole('button', { name: 'Lock' }).click();
    await ann.page.getByRole('heading', { name: 'Unlock Parley' }).waitFor();
    const ben = benCore.session.require();
    const sent: string[] = [];
    for (let i = 1; i <= TEXTS; i++) sent.push((await ben.conversations.sendText(annId, `catch-up text ${i}`)).id);
    await eventually(() => sent.every((id) => ben.store.messages.get(id)?.state !== 'queued'), 120_000);

    await ann.page.evaluate(() => {
      const state = { labels: [] as string[], longestTaskMs: 0 };
      (window as unknown as { __catchup: typeof state }).__catchup = state;
      const label = () => document.querySelector('[aria-label="Relay connection"] .connection__label')?.textContent ?? null;
      new MutationObserver(() => {
        const now = label();
        if (now !== null && now !== state.labels.at(-1)) state.labels.push(now);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) state.longestTaskMs = Math.max(state.longestTaskMs, e.duration);
      }).observe({ type: 'longtask', buffered: false });
    });
    ann.events.length = 0;
    await ann.page.getByLabel('Passphrase').fill(TEST_PASSPHRASE);
    await ann.page.getByRole('button', { name: 'Unlock' }).click();

    // While the texts come in: the badge counts, and the conversation opens.
    await ann.page.waitForFunction(() => (window as unknown as { __catchup: { labels: string[] } }).__catchup.labels.some((l) => /^Receiving [1-9]/u.test(l)), undefined, { timeout: 120_000 });
    await ann.screenshot('catchup-receiving');
    await ann.page.getByRole('button', { name: new RegExp(BEN) }).click();
    await ann.page.getByRole('heading', { name: BEN }).waitFor();

    await eventually(() => annCore.session.require().store.messages.countIn(ben.keys.accountId) === TEXTS, 120_000);
    await ann.page.getByRole('status', { name: 'Relay connection' }).getByText('Connected', { exact: true }).waitFor();
    await bubble(ann.page, `catch-up text ${TEXTS}$`).waitFor();
    await ann.screenshot('catchup-done');

    const { labels, longestTaskMs } = await recorded();
    const receiving = labels.filter((l) => l.startsWith('Receiving'));
    const progress = receiving.map((l) => /^Receiving ([\d,]+) of ([\d,]+)$/u.exec(l)).map((m) => [Number(m![1]!.replaceAll(',', '')), m![2]]);
    expect(progress.every(([, total]) => total === '2,000')).toBe(true);
    const done = progress.map(([d]) => d as number);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(done.some((d) => d > 0 && d < TEXTS)).toBe(true);
    // Once per batch (the relay pushes 256 at a time), not once per message.
    expect(receiving.length).toBeLessThanOrEqual(TEXTS / 256 + 3);
    expect(labels.at(-1)).toBe('Connected');
    // The renderer is sent its rows per batch too.
    expect(ann.events.filter((e) => e.name === 'messagesChanged').length).toBeLessThanOrEqual(2 * (TEXTS / 256 + 3));
    // No task held the page for long while 2,000 texts arrived (a per-message render would hold it for seconds).
    expect(longestTaskMs).toBeLessThan(1_500);
    expect(ann.errors).toEqual([]);
    console.log(`catch-up labels: ${labels.join(' → ')}; longest task ${Math.round(longestTaskMs)} ms`);
  });
});
