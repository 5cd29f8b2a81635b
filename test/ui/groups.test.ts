/**
 * Groups in the real UI: four people, each in their own Chromium context
 * backed by their own core, profile and encrypted store, through a real
 * relay on loopback. Ann is a contact of Ben, Cleo and Dan; Ben and Cleo
 * are not contacts of each other, and Dan joins later.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { openApp, type AppWindow } from '../support/uiHarness';
import { startTestRelay } from '../support/relayHarness';
import { repoRoot } from '../support/paths';
import { addContactFromQr, bubble, chatRowTexts, composer, onboard, send, TestCores } from '../support/uiFlows';
import { TEST_PASSPHRASE } from '../support/chatHarness';

const ANN = 'Annika Vestergaard';
const BEN = 'Bartholomew Okonkwo';
const CLEO = 'Cleopatra Lindqvist';
const DAN = 'Danilo Ferreira';
const GROUP = 'Lantern Society';
let relay: Awaited<ReturnType<typeof startTestRelay>>;
let browser: Browser;
let cores: TestCores;
let ann: AppWindow;
let ben: AppWindow;
let cleo: AppWindow;
let dan: AppWindow;
let groupId = '';

const log = (p: Page) => p.getByRole('log', { name: 'Messages' });
const systemLine = (p: Page, text: string | RegExp) => log(p).getByRole('note').filter({ hasText: text });
const actionsOf = (p: Page, text: string) => p.locator('.message', { has: p.getByRole('article', { name: new RegExp(text) }) }).getByRole('button', { name: 'Message actions' });
const openGroup = async (p: Page) => {
  await p.getByRole('button', { name: new RegExp(GROUP) }).click();
  await p.getByRole('heading', { name: GROUP }).waitFor();
};
/** The open Messenger of the i-th core (Ann, Ben, Cleo, Dan). */
const messenger = (i: number) => cores.cores[i]!.session.messenger!;
/** Calls the bridge as page script would, the way a compromised renderer could. */
const call = (w: AppWindow, name: string, request: unknown) =>
  w.page.evaluate(([n, r]) => (window as unknown as { parley: Record<string, (r: unknown) => Promise<unknown>> }).parley[n]!(r), [name, request] as const);

beforeAll(async () => {
  relay = await startTestRelay();
  cores = new TestCores(relay.url);
  browser = await launchChromium();
  ann = await openApp(browser, cores.create());
  ben = await openApp(browser, cores.create(), { colorScheme: 'dark' });
  cleo = await openApp(browser, cores.create());
  dan = await openApp(browser, cores.create(), { colorScheme: 'dark' });
});

afterAll(async () => {
  for (const w of [ann, ben, cleo, dan]) await w?.close();
  await cores?.closeAll();
  await browser?.close();
  await relay?.close();
});

describe('groups in the app', () => {
  it('creates a group from contacts who are not contacts of each other', async () => {
    await onboard(ann, ANN, '');
    await onboard(ben, BEN, '');
    await onboard(cleo, CLEO, '');
    await onboard(dan, DAN, '');
    await addContactFromQr(ben, BEN, ann, ANN);
    await addContactFromQr(cleo, CLEO, ann, ANN);
    await addContactFromQr(dan, DAN, ann, ANN);

    await ann.page.getByRole('button', { name: 'New group' }).click();
    await ann.page.getByLabel('Group name').fill(GROUP);
    await ann.page.getByRole('checkbox', { name: BEN }).check();
    await ann.page.getByRole('checkbox', { name: CLEO }).check();
    await ann.screenshot('groups-create-dialog');
    await ann.page.getByRole('button', { name: 'Create group' }).click();
    await ann.page.getByRole('heading', { name: GROUP }).waitFor();
    await ann.page.getByLabel('3 members').waitFor();
    await systemLine(ann.page, `You created the group “${GROUP}” with ${BEN}, ${CLEO}`).waitFor();
    groupId = messenger(0).groups.list()[0]!.id;

    for (const w of [ben, cleo]) {
      await openGroup(w.page);
      await w.page.getByLabel('3 members').waitFor();
      await systemLine(w.page, new RegExp(`${ANN} created the group`)).waitFor();
    }
  });

  it('lists members with roles and marks the one who is not a contact', async () => {
    await ben.page.getByRole('button', { name: 'Members' }).click();
    const list = ben.page.getByRole('list', { name: 'Members' });
    await list.getByRole('listitem', { name: `${ANN}, admin` }).waitFor();
    await list.getByRole('listitem', { name: `${CLEO}, not in your contacts` }).waitFor();
    await list.getByRole('listitem', { name: `${BEN} (you)` }).waitFor();
    // Ben is not an admin: no remove or make-admin controls, but he can leave.
    expect(await ben.page.getByRole('button', { name: 'Remove' }).count()).toBe(0);
    await ben.page.getByRole('button', { name: 'Leave group' }).waitFor();
    await ben.screenshot('groups-members-dark');

    // The safety number with Cleo, who is not his contact: shown, but not markable as verified here.
    await list.getByRole('listitem', { name: new RegExp(CLEO) }).getByRole('button', { name: 'Safety number' }).click();
    const fromBen = (await ben.page.getByRole('group', { name: 'Safety number', exact: true }).textContent())!.replace(/\s/gu, '');
    expect(fromBen).toMatch(/^\d{60}$/u);
    expect(await ben.page.getByRole('button', { name: 'Mark as verified' }).count()).toBe(0);
    await ben.screenshot('groups-member-safety-number-dark');
    await ben.page.getByRole('button', { name: 'Close' }).click();
    await cleo.page.getByRole('button', { name: 'Members' }).click();
    await cleo.page.getByRole('list', { name: 'Members' }).getByRole('listitem', { name: new RegExp(BEN) }).getByRole('button', { name: 'Safety number' }).click();
    const fromCleo = (await cleo.page.getByRole('group', { name: 'Safety number', exact: true }).textContent())!.replace(/\s/gu, '');
    expect(fromCleo).toBe(fromBen);
    await cleo.page.getByRole('button', { name: 'Close' }).click();
  });

  it('carries a message from one member to the other two, with receipts per member', async () => {
    await send(ann.page, 'Welcome to the lantern society');
    for (const w of [ben, cleo]) {
      const b = bubble(w.page, 'Welcome to the lantern society');
      await b.waitFor();
      await b.getByText(ANN, { exact: true }).waitFor();
    }
    await bubble(ann.page, 'Welcome to the lantern society').getByLabel(/Delivery: Delivered to 2 of 2/u).waitFor();
    await bubble(ann.page, 'Welcome to the lantern society').getByLabel(/Read by 2/u).waitFor();
    await ann.screenshot('groups-receipts');
  });

  it('shows who is typing in the group, by name, to the other members', async () => {
    await composer(cleo.page).fill('Thinking about lanterns');
    await ann.page.getByText(`${CLEO} is typing…`).waitFor();
    await ben.page.getByText(`${CLEO} is typing…`).waitFor();
    await ben.screenshot('groups-typing');
    await composer(cleo.page).fill('');
    await ann.page.getByText(`${CLEO} is typing…`).waitFor({ state: 'detached' });
  });

  it('shows a reply from a member who is not a contact under the name they chose, marked', async () => {
    await bubble(ben.page, 'Welcome to the lantern society').hover();
    await actionsOf(ben.page, 'Welcome to the lantern society').click();
    await ben.page.getByRole('menuitem', { name: 'Reply' }).click();
    await send(ben.page, 'Glad to be here, lanterns ready');
    const reply = bubble(cleo.page, 'Glad to be here');
    await reply.waitFor();
    await expect.poll(() => reply.locator('.bubble__sender').textContent()).toBe(`${BEN} · not in your contacts`);
    // The quote names whom it quotes.
    expect(await reply.locator('blockquote').textContent()).toBe(`${ANN} Welcome to the lantern society`);
    // Ann has him as a contact: his name, without the mark.
    const atAnn = bubble(ann.page, 'Glad to be here');
    await expect.poll(() => atAnn.locator('.bubble__sender').textContent()).toBe(BEN);
    await cleo.screenshot('groups-reply-stranger');
  });

  it('carries a reaction, an edit and a delete for everyone to every member', async () => {
    await bubble(cleo.page, 'Glad to be here').hover();
    await actionsOf(cleo.page, 'Glad to be here').click();
    await cleo.page.getByRole('menuitemradio', { name: 'React 👍' }).click();
    await bubble(ben.page, 'Glad to be here').getByLabel(`${CLEO} reacted 👍`).waitFor();
    await bubble(ann.page, 'Glad to be here').getByLabel(`${CLEO} reacted 👍`).waitFor();

    await bubble(ben.page, 'Glad to be here').hover();
    await actionsOf(ben.page, 'Glad to be here').click();
    await ben.page.getByRole('menuitem', { name: 'Edit' }).click();
    await expect.poll(() => composer(ben.page).inputValue()).toBe('Glad to be here, lanterns ready');
    await composer(ben.page).fill('Glad to be here, lanterns lit');
    await composer(ben.page).press('Enter');
    for (const w of [ann, cleo]) await bubble(w.page, 'lanterns lit').getByText('edited').waitFor();

    await send(cleo.page, 'Oops, wrong group');
    for (const w of [ann, ben]) await bubble(w.page, 'Oops, wrong group').waitFor();
    await bubble(cleo.page, 'Oops, wrong group').hover();
    await actionsOf(cleo.page, 'Oops, wrong group').click();
    await cleo.page.getByRole('menuitem', { name: 'Delete for everyone' }).click();
    for (const w of [ann, ben]) {
      await bubble(w.page, 'Oops, wrong group').waitFor({ state: 'detached' });
      await w.page.getByRole('article', { name: `${CLEO}: deleted message` }).waitFor();
    }
    await ann.screenshot('groups-conversation');
    await ben.screenshot('groups-conversation-dark');
  });

  it('sends an attachment that every member opens', async () => {
    const png = readFileSync(path.join(repoRoot, 'resources/icon.png'));
    await cleo.page.getByLabel('File to send').setInputFiles({ name: 'society-crest.png', mimeType: 'image/png', buffer: png });
    for (const w of [ann, ben]) await w.page.getByRole('img', { name: 'society-crest.png' }).waitFor({ timeout: 20_000 });
    const size = await ben.page.getByRole('img', { name: 'society-crest.png' }).evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight]);
    expect(size).toEqual([512, 512]);
    await ben.screenshot('groups-attachment-dark');
  });

  it('finds a group message with search, under the group’s name, and jumps to it', async () => {
    await ben.page.getByLabel('Search messages').fill('lantern society');
    const hit = ben.page.getByRole('list', { name: 'Search results' }).getByRole('button').first();
    await hit.getByText(GROUP, { exact: true }).waitFor();
    await hit.click();
    await ben.page.locator('.message--focused').getByText('Welcome to the lantern society').waitFor();
    await ben.page.getByLabel('Search messages').fill('');
    await ben.page.getByRole('heading', { name: GROUP }).waitFor();
  });

  it('refuses group calls a compromised renderer makes beyond its rights, with typed errors', async () => {
    const annId = messenger(0).keys.accountId;
    const cleoId = messenger(2).keys.accountId;
    expect(await call(ben, 'removeGroupMember', { groupId, accountId: annId })).toMatchObject({ ok: false, code: 'GROUP_NOT_ADMIN' });
    expect(await call(ben, 'makeGroupAdmin', { groupId, accountId: cleoId })).toMatchObject({ ok: false, code: 'GROUP_NOT_ADMIN' });
    expect(await call(ben, 'addGroupMembers', { groupId, contactIds: [annId] })).toMatchObject({ ok: false, code: 'GROUP_NOT_ADMIN' });
    expect(await call(ben, 'addGroupMembers', { groupId, contactIds: [cleoId] })).toMatchObject({ ok: false, code: 'GROUP_BAD_MEMBER' });
    expect(await call(ben, 'createGroup', { name: 'Side channel', contactIds: [cleoId] })).toMatchObject({ ok: false, code: 'GROUP_BAD_MEMBER' });
    expect(await call(ben, 'getGroup', { groupId: 'B'.repeat(43) })).toMatchObject({ ok: false, code: 'GROUP_UNKNOWN' });
    expect(await call(ben, 'getGroupSafetyNumber', { groupId, accountId: messenger(1).keys.accountId })).toMatchObject({ ok: false, code: 'GROUP_BAD_MEMBER' });
    expect(await call(ben, 'removeGroupMember', { groupId, accountId: annId, force: true })).toMatchObject({ ok: false, code: 'IPC_BAD_REQUEST' });
    expect(await call(ben, 'leaveGroup', { groupId: '../../etc' })).toMatchObject({ ok: false, code: 'IPC_BAD_REQUEST' });
    // Nothing changed.
    expect(messenger(0).groups.get(groupId).members.map((m) => m.role)).toEqual(['admin', 'member', 'member']);
  });

  it('shows a removed member the removal and nothing sent after it', async () => {
    await ann.page.getByRole('button', { name: 'Members' }).click();
    await ann.page.getByRole('list', { name: 'Members' }).getByRole('listitem', { name: new RegExp(CLEO) }).getByRole('button', { name: 'Remove' }).click();
    await ann.page.getByRole('list', { name: 'Members' }).getByRole('listitem', { name: new RegExp(CLEO) }).waitFor({ state: 'detached' });
    await ann.page.getByRole('button', { name: 'Close' }).click();
    await ann.page.getByLabel('2 members').waitFor();
    await systemLine(ann.page, `You removed ${CLEO}`).waitFor();

    await systemLine(cleo.page, `${ANN} removed you`).waitFor();
    await cleo.page.getByRole('status').getByText('You were removed from this group.').waitFor();
    expect(await composer(cleo.page).count()).toBe(0);
    expect(await call(cleo, 'sendMessage', { conversationId: groupId, text: 'still here?' })).toMatchObject({ ok: false, code: 'GROUP_NOT_MEMBER' });
    await cleo.screenshot('groups-removed');

    await send(ann.page, 'Now just the two of us, Ben');
    await bubble(ben.page, 'Now just the two of us').waitFor();
    await systemLine(ben.page, `${ANN} removed ${CLEO}`).waitFor();
    await bubble(ann.page, 'Now just the two of us').getByLabel(/Delivered to 1 of 1/u).waitFor();
    // Give the relay ample time to deliver anything it would have: Cleo neither shows nor holds it.
    await cleo.page.waitForTimeout(2_000);
    expect(await bubble(cleo.page, 'Now just the two of us').count()).toBe(0);
    expect(messenger(2).store.messages.page(groupId, 200).map((m) => m.body)).not.toContain('Now just the two of us, Ben');
  });

  it('shows a new member only what is sent after they join', async () => {
    await ann.page.getByRole('button', { name: 'Members' }).click();
    await ann.page.getByRole('checkbox', { name: DAN }).check();
    await ann.screenshot('groups-add-member');
    await ann.page.getByRole('button', { name: 'Add to group' }).click();
    await ann.page.getByRole('list', { name: 'Members' }).getByRole('listitem', { name: new RegExp(DAN) }).waitFor();
    await ann.page.getByRole('button', { name: 'Close' }).click();
    await ann.page.getByLabel('3 members').waitFor();

    await openGroup(dan.page);
    await systemLine(dan.page, `${ANN} added you`).waitFor();
    await send(ann.page, 'Welcome aboard, Danilo');
    await bubble(dan.page, 'Welcome aboard, Danilo').waitFor();
    await bubble(ben.page, 'Welcome aboard, Danilo').waitFor();
    await send(ben.page, 'Hello from Ben to the newcomer');
    await expect.poll(() => bubble(dan.page, 'Hello from Ben').locator('.bubble__sender').textContent()).toBe(`${BEN} · not in your contacts`);
    const seen = messenger(3).store.messages.page(groupId, 200).map((m) => m.body);
    for (const before of ['Welcome to the lantern society', 'lanterns lit', 'Now just the two of us, Ben']) expect(seen).not.toContain(before);
    expect(await bubble(dan.page, 'Welcome to the lantern society').count()).toBe(0);
    await dan.screenshot('groups-new-member-dark');
    await ben.screenshot('groups-after-join-dark');
  });

  it('makes a member an admin, who then has the admin controls, and shows a member leaving', async () => {
    await ann.page.getByRole('button', { name: 'Members' }).click();
    await ann.page.getByRole('list', { name: 'Members' }).getByRole('listitem', { name: new RegExp(BEN) }).getByRole('button', { name: 'Make admin' }).click();
    await ann.page.getByRole('list', { name: 'Members' }).getByRole('listitem', { name: `${BEN}, admin` }).waitFor();
    await ann.screenshot('groups-members-admin');
    await ann.page.getByRole('button', { name: 'Close' }).click();
    await systemLine(ben.page, `${ANN} made you an admin`).waitFor();
    await ben.page.getByRole('button', { name: 'Members' }).click();
    await ben.page.getByRole('list', { name: 'Members' }).getByRole('listitem', { name: `${BEN} (you), admin` }).waitFor();
    await ben.page.getByRole('list', { name: 'Members' }).getByRole('listitem', { name: new RegExp(DAN) }).getByRole('button', { name: 'Remove' }).waitFor();
    await ben.page.getByRole('button', { name: 'Close' }).click();

    await dan.page.getByRole('button', { name: 'Members' }).click();
    await dan.page.getByRole('button', { name: 'Leave group' }).click();
    await dan.page.getByRole('button', { name: 'Leave', exact: true }).click();
    await dan.page.getByRole('status').getByText('You left this group.').waitFor();
    await systemLine(dan.page, 'You left').waitFor();
    await systemLine(ann.page, `${DAN} left`).waitFor();
    await ann.page.getByLabel('2 members').waitFor();
    await dan.screenshot('groups-left-dark');
  });

  it('after a restart shows each event between the messages it came between', async () => {
    await ann.close();
    ann = await openApp(browser, await cores.reopen(0), { viewport: { width: 1120, height: 1500 } });
    await ann.page.getByRole('heading', { name: 'Unlock Parley' }).waitFor();
    await ann.page.getByLabel('Passphrase').fill(TEST_PASSPHRASE);
    await ann.page.getByRole('button', { name: 'Unlock' }).click();
    await openGroup(ann.page);
    await systemLine(ann.page, `${DAN} left`).waitFor();
    await bubble(ann.page, 'Hello from Ben').waitFor();
    const rows = await chatRowTexts(ann.page);
    const at = (text: string) => {
      const i = rows.findIndex((r) => r.includes(text));
      expect(i, text).toBeGreaterThanOrEqual(0);
      return i;
    };
    const order = [
      `You created the group “${GROUP}”`, 'Welcome to the lantern society', 'lanterns lit', `You removed ${CLEO}`, 'Now just the two of us',
      `You added ${DAN}`, 'Welcome aboard, Danilo', 'Hello from Ben', `You made ${BEN} an admin`, `${DAN} left`,
    ];
    expect(order.map(at)).toEqual(order.map(at).sort((a, b) => a - b));
    await ann.screenshot('groups-events-after-restart');
  });

  it('leaves no group name, member name or group message readable on disk, and no page errors', async () => {
    for (const c of cores.cores) c.session.messenger?.store.checkpoint();
    const canaries = [GROUP, 'lantern society', 'lanterns lit', 'Now just the two of us', 'Welcome aboard', ANN, BEN, CLEO, DAN];
    const files = (dir: string): string[] => readdirSync(dir).flatMap((n) => (statSync(path.join(dir, n)).isDirectory() ? files(path.join(dir, n)) : [path.join(dir, n)]));
    for (const dir of [...cores.dirs, relay.dataDir]) {
      for (const f of files(dir)) {
        const bytes = readFileSync(f);
        for (const c of canaries) expect(bytes.includes(Buffer.from(c)), `${c} in ${f}`).toBe(false);
      }
    }
    for (const w of [ann, ben, cleo, dan]) expect(w.errors).toEqual([]);
  });
});
