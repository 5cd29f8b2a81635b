/**
 * Two people onboard and chat in the real UI, each in its own Chromium
 * context backed by its own core, profile directory and encrypted store,
 * through a real relay on loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { openApp, type AppWindow } from '../support/uiHarness';
import { startTestRelay } from '../support/relayHarness';
import { TEST_PASSPHRASE } from '../support/chatHarness';
import { repoRoot } from '../support/paths';
import { addContactFromQr, bubble, composer, onboard, TestCores } from '../support/uiFlows';

const ANN = 'Annika Vestergaard';
const BEN = 'Bartholomew Okonkwo';
const CLEO = 'Cleopatra Lindqvist';
let relay: Awaited<ReturnType<typeof startTestRelay>>;
let browser: Browser;
let cores: TestCores;
let ann: AppWindow;
let ben: AppWindow;
let cleo: AppWindow;

beforeAll(async () => {
  relay = await startTestRelay();
  cores = new TestCores(relay.url);
  browser = await launchChromium();
  ann = await openApp(browser, cores.create());
  ben = await openApp(browser, cores.create(), { colorScheme: 'dark' });
  cleo = await openApp(browser, cores.create());
  await ann.context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await cleo.context.grantPermissions(['clipboard-read', 'clipboard-write']);
});

afterAll(async () => {
  await ann?.close();
  await ben?.close();
  await cleo?.close();
  await cores?.closeAll();
  await browser?.close();
  await relay?.close();
});

describe('chatting in the app', () => {
  it('onboards two people with a confirmed recovery phrase', async () => {
    await ann.screenshot('chat-welcome');
    await onboard(ann, ANN, 'chat');
    await onboard(ben, BEN, '');
    await ann.screenshot('chat-main-empty');
  });

  it('adds a contact by opening a screenshot of the other person’s QR code', async () => {
    await addContactFromQr(ben, BEN, ann, ANN, 'chat-add-contact');
  });

  it('sends with Enter, and shows delivered then read', async () => {
    const input = ann.page.getByRole('textbox', { name: 'Message', exact: true });
    await input.fill('The owl flies at midnight');
    await input.press('Enter');
    await bubble(ann.page, 'The owl flies at midnight').waitFor();
    await ann.page.getByLabel('Delivery: Delivered').first().waitFor();
    await ben.page.getByRole('button', { name: `${ANN}, 1 unread` }).waitFor();
    await ben.page.getByRole('button', { name: new RegExp(ANN) }).click();
    await bubble(ben.page, 'The owl flies at midnight').waitFor();
    await ann.page.getByLabel('Delivery: Read').first().waitFor();
    await ann.screenshot('chat-conversation');
    await ben.screenshot('chat-conversation-dark');
  });

  it('costs the sender at most two round trips per message and the open reader one, with every row pushed', async () => {
    // Both have the conversation open. Let the previous test's calls finish, then count from zero.
    await ann.page.waitForTimeout(500);
    for (const w of [ann, ben]) {
      w.calls.length = 0;
      w.events.length = 0;
    }
    await composer(ann.page).fill('Counting round trips');
    await composer(ann.page).press('Enter');
    await bubble(ben.page, 'Counting round trips').waitFor();
    await bubble(ann.page, 'Counting round trips').getByLabel('Delivery: Read').waitFor();
    // The reader's list row shows the preview, and no unread badge once it is read.
    await ben.page.getByRole('complementary', { name: 'Sidebar' }).getByText('Counting round trips').waitFor();
    await ben.page.getByRole('button', { name: ANN, exact: true }).waitFor();
    // Late pulls would come within a few event-loop turns; give them ample time to show up.
    await ann.page.waitForTimeout(1_000);
    await ann.screenshot('chat-round-trips-sender');
    await ben.screenshot('chat-round-trips-reader');
    // Sender: "typing" on the first keystroke, then the send; delivered and read arrive as pushed rows.
    expect(ann.calls).toEqual(['setTyping', 'sendMessage']);
    // Reader: the one call that marks the message read (and sends the read receipt); the message row, the list row and typing are pushed.
    expect(ben.calls).toEqual(['markConversationRead']);
    const counted = (w: AppWindow) => w.events.filter((e) => e.name !== 'connectionState').map((e) => e.name);
    // Sender: the new row and its list row (one coalesced turn), then sent, delivered and read as one row each.
    expect(counted(ann).filter((n) => n === 'messagesChanged').length).toBeLessThanOrEqual(4);
    expect(counted(ann).filter((n) => n === 'conversationsChanged').length).toBeLessThanOrEqual(2);
    expect(counted(ben)).not.toContain('contactsChanged');
  });

  it('replies the other way with Shift+Enter for a new line', async () => {
    const input = ben.page.getByRole('textbox', { name: 'Message', exact: true });
    await input.fill('Understood.');
    await input.press('Shift+Enter');
    await input.type('Bring the lantern.');
    await input.press('Enter');
    await bubble(ann.page, 'Bring the lantern').waitFor();
    expect(await bubble(ann.page, 'Bring the lantern').textContent()).toContain('Understood.\nBring the lantern.');
  });

  it('delivers messages written while the recipient was offline once they return', async () => {
    await ben.page.getByRole('button', { name: 'Lock' }).click();
    await ben.page.getByRole('heading', { name: 'Unlock Parley' }).waitFor();
    await ben.screenshot('chat-unlock');
    await ann.page.getByRole('textbox', { name: 'Message', exact: true }).fill('Sent while you were away');
    await ann.page.getByRole('textbox', { name: 'Message', exact: true }).press('Enter');
    await ben.page.getByLabel('Passphrase').fill('wrong passphrase');
    await ben.page.getByRole('button', { name: 'Unlock' }).click();
    await ben.page.getByRole('alert').waitFor();
    await ben.screenshot('chat-unlock-error');
    await expect.poll(() => ben.page.getByRole('button', { name: 'Unlock' }).isEnabled(), { timeout: 5_000 }).toBe(true);
    await ben.page.getByLabel('Passphrase').fill(TEST_PASSPHRASE);
    await ben.page.getByRole('button', { name: 'Unlock' }).click();
    await ben.page.getByRole('button', { name: new RegExp(ANN) }).click();
    await bubble(ben.page, 'Sent while you were away').waitFor();
  });

  it('shows matching safety numbers and marks the contact verified', async () => {
    const groupsOf = async (w: AppWindow) => {
      await w.page.getByRole('button', { name: 'Safety number' }).click();
      const digits = (await w.page.getByRole('group', { name: 'Safety number', exact: true }).textContent())!.replace(/\s/gu, '');
      return digits;
    };
    const a = await groupsOf(ann);
    const b = await groupsOf(ben);
    expect(a).toMatch(/^\d{60}$/u);
    expect(a).toBe(b);
    await ann.screenshot('chat-safety-number');
    await ann.page.getByRole('button', { name: 'Mark as verified' }).click();
    await ann.page.getByRole('button', { name: 'Clear verification' }).waitFor();
    await ann.page.getByRole('button', { name: 'Close' }).click();
    await ben.page.getByRole('button', { name: 'Close' }).click();
    await ann.page.getByLabel('Verified').waitFor();
  });

  it('sends an image that the other side opens as a preview', async () => {
    const png = readFileSync(path.join(repoRoot, 'resources/icon.png'));
    await ann.page.getByLabel('File to send').setInputFiles({ name: 'lantern.png', mimeType: 'image/png', buffer: png });
    await ben.page.getByRole('img', { name: 'lantern.png' }).waitFor({ timeout: 20_000 });
    const size = await ben.page.getByRole('img', { name: 'lantern.png' }).evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight]);
    expect(size).toEqual([512, 512]);
    await ben.screenshot('chat-attachment');
  });

  it('finds a message with Ctrl+K search and jumps to it', async () => {
    await ben.page.keyboard.press('Control+k');
    await expect.poll(() => ben.page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Search messages');
    await ben.page.keyboard.type('midnight');
    const hit = ben.page.getByRole('list', { name: 'Search results' }).getByRole('button').first();
    await hit.waitFor();
    await ben.screenshot('chat-search');
    await hit.click();
    await ben.page.locator('.message--focused').getByText('The owl flies at midnight').waitFor();
    await ben.page.getByLabel('Search messages').fill('');
  });

  it('shows typing, and carries replies, reactions, edits and deletes for everyone to the other side', async () => {
    await ann.page.getByRole('button', { name: new RegExp(BEN) }).click();
    await composer(ben.page).fill('Thinking about it');
    await ann.page.getByText(`${BEN} is typing…`).waitFor();
    await ann.screenshot('chat-typing');
    await composer(ben.page).fill('');
    await ann.page.getByText(`${BEN} is typing…`).waitFor({ state: 'detached' });

    const actionsOf = (p: Page, text: string) => p.locator('.message', { has: p.getByRole('article', { name: new RegExp(text) }) }).getByRole('button', { name: 'Message actions' });
    await bubble(ann.page, 'The owl flies at midnight').hover();
    await actionsOf(ann.page, 'The owl flies at midnight').click();
    await ann.page.getByRole('menuitem', { name: 'Reply' }).click();
    await ann.page.getByRole('status').getByText('Replying to yourself').waitFor();
    await composer(ann.page).fill('Following up on the owl');
    await composer(ann.page).press('Enter');
    const reply = bubble(ben.page, 'Following up on the owl');
    await reply.waitFor();
    expect(await reply.locator('blockquote').textContent()).toContain('The owl flies at midnight');

    await bubble(ben.page, 'The owl flies at midnight').hover();
    await actionsOf(ben.page, 'The owl flies at midnight').click();
    await ben.page.getByRole('menuitemradio', { name: 'React 👍' }).click();
    await bubble(ann.page, 'The owl flies at midnight').getByLabel('Them reacted 👍').waitFor();

    await bubble(ann.page, 'Following up on the owl').hover();
    await actionsOf(ann.page, 'Following up on the owl').click();
    await ann.page.getByRole('menuitem', { name: 'Edit' }).click();
    await expect.poll(() => composer(ann.page).inputValue()).toBe('Following up on the owl');
    await composer(ann.page).fill('Following up on the barn owl');
    await composer(ann.page).press('Enter');
    await bubble(ben.page, 'Following up on the barn owl').getByText('edited').waitFor();
    await ben.screenshot('chat-reply-reaction-edit');

    await bubble(ann.page, 'Following up on the barn owl').hover();
    await actionsOf(ann.page, 'Following up on the barn owl').click();
    await ann.page.getByRole('menuitem', { name: 'Delete for everyone' }).click();
    await bubble(ben.page, 'Following up on the barn owl').waitFor({ state: 'detached' });
    await ben.page.getByRole('article', { name: 'Them: deleted message' }).waitFor();
  });

  it('makes a disappearing message vanish on both sides when its timer runs out', async () => {
    await ann.page.getByLabel('Disappearing messages').selectOption('30');
    await ann.page.getByLabel(/Disappearing messages: 30 seconds/u).waitFor();
    await ann.page.getByRole('textbox', { name: 'Message', exact: true }).fill('This note self-destructs');
    await ann.page.getByRole('textbox', { name: 'Message', exact: true }).press('Enter');
    await bubble(ben.page, 'This note self-destructs').waitFor();
    await ben.screenshot('chat-disappearing');
    await bubble(ben.page, 'This note self-destructs').waitFor({ state: 'detached', timeout: 45_000 });
    await bubble(ann.page, 'This note self-destructs').waitFor({ state: 'detached', timeout: 10_000 });
  });

  it('adds a contact by pasting a copied invite code, and a third person chats too', async () => {
    await onboard(cleo, CLEO, '');
    await ann.page.bringToFront();
    await ann.page.getByRole('button', { name: 'Add contact' }).click();
    await ann.page.getByRole('button', { name: 'Copy invite code' }).click();
    await ann.page.getByRole('button', { name: 'Copy invite code' }).getByText('Copied').waitFor();
    const copied = await ann.page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toMatch(/^parley1/u);
    await ann.page.getByRole('button', { name: 'Close' }).click();

    await cleo.page.bringToFront();
    await cleo.page.getByRole('button', { name: 'Add contact' }).click();
    await cleo.page.evaluate((text) => navigator.clipboard.writeText(text), copied);
    await cleo.page.getByLabel('Invite code', { exact: true }).focus();
    await cleo.page.keyboard.press('Control+v');
    await expect.poll(() => cleo.page.getByLabel('Invite code', { exact: true }).inputValue()).toBe(copied);
    await cleo.page.getByLabel('Name', { exact: true }).fill(ANN);
    await cleo.page.getByRole('button', { name: 'Add contact' }).last().click();
    await cleo.page.getByRole('heading', { name: ANN }).waitFor();
    await composer(cleo.page).fill('Cleo here, found you by your code');
    await composer(cleo.page).press('Enter');
    await ann.page.bringToFront();
    await ann.page.getByRole('button', { name: new RegExp(`${CLEO}, 1 unread`) }).waitFor();
    await ann.page.getByRole('button', { name: new RegExp(CLEO) }).click();
    await bubble(ann.page, 'found you by your code').waitFor();
    await cleo.page.getByLabel('Delivery: Read').first().waitFor();
  });

  it('keeps a 100,000-message history virtualized: only the rows on screen are in the page', async () => {
    const core = cores.cores[2]!;
    const store = core.session.messenger!.store;
    const conversationId = store.messages.listConversations(10)[0]!.id;
    const start = Date.now() - 200_000_000;
    for (let batch = 0; batch < 10; batch++) {
      store.messages.insertMany(
        Array.from({ length: 10_000 }, (_, i) => {
          const n = batch * 10_000 + i;
          return { id: `bulk-history-${String(n).padStart(6, '0')}`, conversationId, sender: 'peer', direction: 'in' as const, body: `Archive line ${n}`, sentAt: start + n * 1000, receivedAt: start + n * 1000, state: 'delivered' as const };
        }),
      );
    }
    await cleo.page.reload();
    await cleo.page.getByRole('button', { name: new RegExp(ANN) }).click();
    const log = cleo.page.getByRole('log', { name: 'Messages' });
    await log.getByRole('article', { name: /found you by your code/u }).waitFor();
    expect(await log.getByRole('article').count()).toBeLessThan(60);
    for (let i = 0; i < 5; i++) {
      await log.evaluate((el) => el.scrollTo({ top: 0 }));
      await cleo.page.waitForTimeout(150);
    }
    await expect.poll(() => log.getByRole('article', { name: /Archive line 99[0-8]\d\d/u }).count()).toBeGreaterThan(0);
    expect(await log.getByRole('article').count()).toBeLessThan(60);
    await cleo.screenshot('chat-long-history');
  });

  it('leaves no message text or contact name readable on disk', async () => {
    for (const c of cores.cores) c.session.messenger?.store.checkpoint();
    const canaries = ['owl flies at midnight', 'Bring the lantern', 'while you were away', 'self-destructs', 'found you by your code', 'barn owl', 'Thinking about it', ANN, BEN, CLEO];
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((n) => (statSync(path.join(dir, n)).isDirectory() ? files(path.join(dir, n)) : [path.join(dir, n)]));
    for (const dir of [...cores.dirs, relay.dataDir]) {
      for (const f of files(dir)) {
        const bytes = readFileSync(f);
        for (const c of canaries) expect(bytes.includes(Buffer.from(c)), `${c} in ${f}`).toBe(false);
      }
    }
    expect(ann.errors).toEqual([]);
    expect(ben.errors).toEqual([]);
    expect(cleo.errors).toEqual([]);
  });
});
