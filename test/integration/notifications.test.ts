/**
 * New-message notifications from the app core (the shell hands them to
 * Electron's Notification): the sender and text by default, no content when
 * previews are off, one per conversation for a batch of a catch-up, through
 * a real relay on loopback and real profiles.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../src/main/app/core';
import type { NotificationText } from '../../src/main/app/notifications';
import { startTestRelay } from '../support/relayHarness';
import { eventually, profileDir, TEST_PASSPHRASE, TEST_PWHASH } from '../support/chatHarness';

let relay: Awaited<ReturnType<typeof startTestRelay>>;
let ann: Core;
let ben: Core;
const shown: NotificationText[] = [];

const core = (notify?: (t: NotificationText) => void) =>
  createCore({ identity: { name: 'Parley', version: '0', platform: 'linux' }, relayUrl: relay.url, dataDir: profileDir(), pwhash: TEST_PWHASH, notifier: notify ? { notify } : undefined });

beforeAll(async () => {
  relay = await startTestRelay();
  ann = core((t) => shown.push(t));
  ben = core();
  await ann.session.create({ name: 'Anouk Vermeer', passphrase: TEST_PASSPHRASE, useKeychain: false });
  await ben.session.create({ name: 'Bastiaan Roos', passphrase: TEST_PASSPHRASE, useKeychain: false });
  await ann.session.require().waitOnline();
  await ben.session.require().waitOnline();
  await ben.session.require().contacts.add(ann.session.require().account.invite(), 'Anouk');
  await eventually(() => ann.session.require().contacts.list().length === 1);
});

afterAll(async () => {
  await ann?.close();
  await ben?.close();
  await relay?.close();
});

describe('new-message notifications', () => {
  it('show the sender and the text when previews are on', async () => {
    await ben.session.require().conversations.sendText(ann.session.require().keys.accountId, 'Ferry leaves at six');
    await eventually(() => shown.length === 1);
    expect(shown[0]).toEqual({ title: 'Bastiaan Roos', body: 'Ferry leaves at six' });
  });

  it('carry no message content when previews are switched off', async () => {
    ann.session.require().account.updateSettings({ notificationPreviews: false });
    await ben.session.require().conversations.sendText(ann.session.require().keys.accountId, 'Bring the tickets');
    await eventually(() => shown.length === 2);
    expect(shown[1]).toEqual({ title: 'Bastiaan Roos', body: 'New message' });
    expect(JSON.stringify(shown[1])).not.toContain('tickets');
  });

  it('show one notification per conversation for the texts of a catch-up batch, counting them', async () => {
    const cleo = core();
    try {
      await cleo.session.create({ name: 'Cleo Maas', passphrase: TEST_PASSPHRASE, useKeychain: false });
      await cleo.session.require().waitOnline();
      await cleo.session.require().contacts.add(ann.session.require().account.invite(), 'Anouk');
      await eventually(() => ann.session.require().contacts.list().length === 2);
      ann.session.require().account.updateSettings({ notificationPreviews: true });
      const annId = ann.session.require().keys.accountId;
      await ann.session.lock();
      const before = shown.length;
      const sent: { id: string; body: string }[] = [];
      for (let i = 1; i <= 40; i++) sent.push(await ben.session.require().conversations.sendText(annId, `Ben's note ${i}`));
      for (let i = 1; i <= 5; i++) sent.push(await cleo.session.require().conversations.sendText(annId, `Cleo's note ${i}`));
      const accepted = (c: Core, id: string) => c.session.require().store.messages.get(id)?.state !== 'queued';
      await eventually(() => sent.every((m) => accepted(m.body.startsWith('Ben') ? ben : cleo, m.id)), 30_000);

      await ann.session.unlock(TEST_PASSPHRASE);
      const total = (title: string) => shown.slice(before).filter((t) => t.title === title).reduce((n, t) => n + (Number(/^(\d+) new messages/u.exec(t.body)?.[1]) || 1), 0);
      await eventually(() => total('Bastiaan Roos') === 40 && total('Cleo Maas') === 5, 30_000);
      const batch = shown.slice(before);
      // The relay pushes the backlog in a few frames at most: far fewer notifications than texts, one per conversation each time.
      expect(batch.length).toBeLessThanOrEqual(4);
      expect(batch.filter((t) => t.title === 'Cleo Maas')).toEqual([{ title: 'Cleo Maas', body: "5 new messages · Cleo's note 5" }]);
      expect(batch.filter((t) => t.title === 'Bastiaan Roos').at(-1)).toEqual({ title: 'Bastiaan Roos', body: expect.stringMatching(/^(\d+ new messages · )?Ben's note 40$/u) });
    } finally {
      await cleo.close();
    }
  });
});
