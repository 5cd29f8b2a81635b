/**
 * A message that could not be decrypted, in the real UI: Ben's session with
 * Ann breaks (as after restoring an old copy of his profile); Ann writes and
 * goes offline. Ben sees a placeholder row saying what happened; when Ann
 * comes back, her device answers Ben's retry request and the text takes the
 * placeholder's place.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { Core } from '../../src/main/app/core';
import { launchChromium } from '../support/browser';
import { openApp, type AppWindow } from '../support/uiHarness';
import { startTestRelay } from '../support/relayHarness';
import { TEST_PASSPHRASE } from '../support/chatHarness';
import { addContactFromQr, bubble, onboard, send, TestCores } from '../support/uiFlows';

const ANN = 'Annika Lindqvist';
const BEN = 'Benedek Horváth';

let relay: Awaited<ReturnType<typeof startTestRelay>>;
let browser: Browser;
let cores: TestCores;
let ann: AppWindow;
let ben: AppWindow;
let annCore: Core;
let benCore: Core;

beforeAll(async () => {
  relay = await startTestRelay();
  cores = new TestCores(relay.url);
  browser = await launchChromium();
  annCore = cores.create();
  ann = await openApp(browser, annCore);
  benCore = cores.create();
  ben = await openApp(browser, benCore);
});

afterAll(async () => {
  for (const w of [ann, ben]) await w?.close();
  await cores?.closeAll();
  await browser?.close();
  await relay?.close();
});

describe('a message that could not be decrypted', () => {
  it('shows a placeholder, then the repaired text in its place', async () => {
    await onboard(ann, ANN, '');
    await onboard(ben, BEN, '');
    await addContactFromQr(ben, BEN, ann, ANN);
    await send(ann.page, 'Before the break');
    await ben.page.getByRole('button', { name: new RegExp(ANN) }).click();
    await bubble(ben.page, 'Before the break').waitFor();

    // Ben loses his session with Ann's device, then is away while Ann writes and goes offline herself.
    const annKeys = annCore.session.require().keys;
    benCore.session.require().store.protocol.deleteSessionSync({ accountId: annKeys.accountId, deviceId: annKeys.deviceId });
    await ben.page.getByRole('button', { name: 'Lock' }).click();
    await ben.page.getByRole('heading', { name: 'Unlock Parley' }).waitFor();
    await send(ann.page, 'This one needs a repair');
    await ann.page.getByLabel('Delivery: Sent').last().waitFor();
    await ann.page.getByRole('button', { name: 'Lock' }).click();
    await ann.page.getByRole('heading', { name: 'Unlock Parley' }).waitFor();
    await ben.page.getByLabel('Passphrase').fill(TEST_PASSPHRASE);
    await ben.page.getByRole('button', { name: 'Unlock' }).click();
    await ben.page.getByRole('button', { name: new RegExp(ANN) }).click();

    const notice = ben.page.getByRole('log', { name: 'Messages' }).getByRole('status').filter({ hasText: 'couldn’t be decrypted' });
    await notice.waitFor();
    expect(await notice.textContent()).toContain(`A message from ${ANN} couldn’t be decrypted. Parley asked ${ANN}’s device to send it again.`);
    await ben.screenshot('repair-placeholder');

    await ann.page.getByLabel('Passphrase').fill(TEST_PASSPHRASE);
    await ann.page.getByRole('button', { name: 'Unlock' }).click();
    await bubble(ben.page, 'This one needs a repair').waitFor({ timeout: 30_000 });
    await expect.poll(() => notice.count()).toBe(0);
    await ben.screenshot('repair-repaired');
  });
});
