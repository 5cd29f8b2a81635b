/**
 * New-message notifications from the app core (the shell hands them to
 * Electron's Notification): the sender and text by default, no content when
 * previews are off, through a real relay on loopback and real profiles.
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
});
