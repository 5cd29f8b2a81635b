/**
 * A group member who is not a contact changes their safety number, seen in
 * the real UI: Ann has Ben and Cleo as contacts and makes a group of the
 * three; Ben and Cleo are not contacts of each other. Cleo rotates her
 * recovery phrase (a new account key); Ben's group shows the change as a
 * line among the messages, a notice above the composer and a mark on Cleo
 * in the member list. Each person has their own Chromium context, core,
 * profile and encrypted store, through a real relay on loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { openApp, type AppWindow } from '../support/uiHarness';
import { startTestRelay } from '../support/relayHarness';
import { eventually } from '../support/chatHarness';
import { addContactFromQr, bubble, chatRowTexts, onboard, send, TestCores } from '../support/uiFlows';

const ANN = 'Annika Vestergaard';
const BEN = 'Bartholomew Okonkwo';
const CLEO = 'Cleopatra Lindqvist';
const GROUP = 'Harbour Watch';
let relay: Awaited<ReturnType<typeof startTestRelay>>;
let browser: Browser;
let cores: TestCores;
let ann: AppWindow;
let ben: AppWindow;
let cleo: AppWindow;

const messenger = (i: number) => cores.cores[i]!.session.messenger!;
const log = (p: Page) => p.getByRole('log', { name: 'Messages' });
const openGroup = async (p: Page) => {
  await p.getByRole('button', { name: new RegExp(GROUP) }).click();
  await p.getByRole('heading', { name: GROUP }).waitFor();
};

beforeAll(async () => {
  relay = await startTestRelay();
  cores = new TestCores(relay.url);
  browser = await launchChromium();
  ann = await openApp(browser, cores.create());
  ben = await openApp(browser, cores.create());
  cleo = await openApp(browser, cores.create(), { colorScheme: 'dark' });
});

afterAll(async () => {
  for (const w of [ann, ben, cleo]) await w?.close();
  await cores?.closeAll();
  await browser?.close();
  await relay?.close();
});

describe('a non-contact member’s safety number change in the app', () => {
  it('shows the change in the group: a line where it happened, a notice, and a mark in the member list', async () => {
    await onboard(ann, ANN, '');
    await onboard(ben, BEN, '');
    await onboard(cleo, CLEO, '');
    await addContactFromQr(ben, BEN, ann, ANN);
    await addContactFromQr(cleo, CLEO, ann, ANN);
    const oldCleo = messenger(2).keys.accountId;
    const groupId = (await messenger(0).groups.create(GROUP, [messenger(1).keys.accountId, oldCleo])).id;
    await eventually(() => [1, 2].every((i) => messenger(i).groups.list().some((g) => g.id === groupId)), 20_000);
    await openGroup(ben.page);
    await openGroup(cleo.page);
    await send(cleo.page, 'Cleo on watch tonight');
    await bubble(ben.page, 'Cleo on watch tonight').waitFor();
    await send(ben.page, 'Ben takes the morning');
    await bubble(cleo.page, 'Ben takes the morning').waitFor();
    await eventually(() => messenger(2).store.groups.devicesOf(messenger(1).keys.accountId).length === 1);

    await messenger(2).devices.rotatePhrase();
    const line = log(ben.page).getByRole('note').filter({ hasText: `${CLEO}’s safety number changed` });
    await line.waitFor({ timeout: 30_000 });
    await ben.page.getByRole('status').filter({ hasText: `${CLEO}: safety number changed. They get no group messages until an admin adds their new key.` }).waitFor();
    // The line comes after the messages that were there before it.
    const rows = await chatRowTexts(ben.page);
    expect(rows.findIndex((r) => r.includes('safety number changed'))).toBeGreaterThan(rows.findIndex((r) => r.includes('Ben takes the morning')));
    await ben.screenshot('groups-member-key-changed');
    // Cleo's own app: not listed under her new key until an admin adds it.
    await cleo.page.getByRole('status').filter({ hasText: 'Your safety number changed. An admin of this group must add your new key' }).waitFor();
    await cleo.screenshot('groups-own-key-changed-dark');

    await ben.page.getByRole('button', { name: 'Members' }).click();
    await ben.page.getByRole('list', { name: 'Members' }).getByRole('listitem', { name: `${CLEO}, not in your contacts, safety number changed` }).waitFor();
    await ben.screenshot('groups-member-key-changed-members');
    await ben.page.getByRole('button', { name: 'Close' }).click();
    // The group stays writable; Ann, the admin, puts Cleo's new key in the group from her member list.
    await send(ben.page, 'Still writing to the group');
    await openGroup(ann.page);
    await bubble(ann.page, 'Still writing to the group').waitFor();
    await ann.page.getByRole('button', { name: 'Members' }).click();
    const row = ann.page.getByRole('list', { name: 'Members' }).getByRole('listitem', { name: `${CLEO}, safety number changed` });
    await ann.screenshot('groups-member-key-changed-admin');
    await row.getByRole('button', { name: 'Add new key' }).click();
    await ann.page.getByRole('list', { name: 'Members' }).getByRole('listitem', { name: CLEO }).waitFor();
    await ann.page.getByRole('button', { name: 'Close' }).click();
    await ben.page.getByRole('status').filter({ hasText: 'safety number changed' }).waitFor({ state: 'detached' });
    await send(cleo.page, 'Cleo is back under her new key');
    await bubble(ben.page, 'Cleo is back under her new key').waitFor();
    // The earlier line still names her (she is listed under her new key now).
    await line.waitFor();
    await ben.screenshot('groups-member-key-adopted');
    for (const w of [ann, ben, cleo]) expect(w.errors).toEqual([]);
  });
});
