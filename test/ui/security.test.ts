/**
 * Settings → Security and the session health view in the real UI: Ann and
 * Ben onboard and write to each other through a real relay on loopback;
 * Ann's audit log shows her identity and a backup she runs from Settings,
 * and the session health view shows her session with Ben's device.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { Core } from '../../src/main/app/core';
import { launchChromium } from '../support/browser';
import { openApp, type AppWindow } from '../support/uiHarness';
import { startTestRelay } from '../support/relayHarness';
import { addContactFromQr, bubble, onboard, send, TestCores } from '../support/uiFlows';

const ANN = 'Annelise Varga';
const BEN = 'Bartholomew Ncube';

let relay: Awaited<ReturnType<typeof startTestRelay>>;
let browser: Browser;
let cores: TestCores;
let ann: AppWindow;
let ben: AppWindow;
let benCore: Core;

beforeAll(async () => {
  relay = await startTestRelay();
  cores = new TestCores(relay.url);
  browser = await launchChromium();
  ann = await openApp(browser, cores.create());
  benCore = cores.create();
  ben = await openApp(browser, benCore);
});

afterAll(async () => {
  for (const w of [ann, ben]) await w?.close();
  await cores?.closeAll();
  await browser?.close();
  await relay?.close();
});

describe('Settings → Security and session health', () => {
  it('lists the audit log in Settings, with a backup run from there', async () => {
    await onboard(ann, ANN, '');
    await onboard(ben, BEN, '');
    await addContactFromQr(ben, BEN, ann, ANN);
    await send(ann.page, 'Hello Bartholomew');
    await ben.page.getByRole('button', { name: new RegExp(ANN) }).click();
    await bubble(ben.page, 'Hello Bartholomew').waitFor();
    await send(ben.page, 'Hello Annelise');
    await bubble(ann.page, 'Hello Annelise').waitFor();

    const p = ann.page;
    await p.getByRole('button', { name: 'Settings' }).click();
    await p.getByRole('button', { name: 'Back up now' }).click();
    await p.getByRole('status').getByText(/Last backup:/u).waitFor();
    await p.getByRole('button', { name: 'Close' }).click();
    await p.getByRole('button', { name: 'Settings' }).click();
    const log = p.getByRole('table', { name: 'Audit log' });
    await log.scrollIntoViewIfNeeded();
    await log.getByRole('cell', { name: 'Device identity created' }).waitFor();
    await log.getByRole('cell', { name: 'Backup written' }).waitFor();
    const events = await log.locator('tbody tr td:nth-child(2)').allTextContents();
    expect(events.at(0)).toBe('Backup written');
    expect(events.at(-1)).toBe('Device identity created');
    expect(await log.textContent()).not.toMatch(/Hello/u);
    await ann.screenshot('security-audit-log');
    await p.getByRole('button', { name: 'Close' }).click();
  });

  it('shows session health for the contact’s device from the chat header', async () => {
    const p = ann.page;
    await p.getByRole('button', { name: 'Session health' }).click();
    const dialog = p.getByRole('dialog', { name: `Session health with ${BEN}` });
    await dialog.waitFor();
    const devices = dialog.getByRole('list', { name: 'Devices' }).getByRole('listitem');
    await expect.poll(() => devices.count()).toBe(1);
    const benDevice = benCore.session.require().keys.deviceId;
    await devices.first().getByText(`Device ${benDevice.slice(0, 8)}…`).waitFor();
    for (const term of ['Session age', 'Since the last key step', 'Skipped keys held', 'Decrypt failures', 'Repairs']) {
      await devices.first().getByRole('term').filter({ hasText: term }).waitFor();
    }
    const values = await devices.first().getByRole('definition').allTextContents();
    // Receipts, profiles and typing signals ride the same session, so both counts are at least the one text each way.
    const [sent, received] = /^(\d+) \/ (\d+)/u.exec(values[3]!)!.slice(1).map(Number);
    expect(sent).toBeGreaterThanOrEqual(1);
    expect(received).toBeGreaterThanOrEqual(1);
    expect(values.slice(4)).toEqual(['0', '0']);
    await ann.screenshot('security-session-health');
    expect(ann.errors).toEqual([]);
    expect(ben.errors).toEqual([]);
  });
});
