/**
 * Several desktops, one account, through a real relay on loopback and real
 * encrypted SQLite profiles: linking a second desktop with history, messages
 * reaching every device of both accounts, own sent messages and read state
 * appearing on the other desktop, and revocation (the revoked desktop wipes
 * itself, and contacts stop encrypting to it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Messenger } from '../../src/main/messenger/messenger';
import type { IncomingText } from '../../src/main/conversations/context';
import { startTestRelay } from '../support/relayHarness';
import { createUser, eventually, profileDir, TEST_PASSPHRASE, TEST_PWHASH, type TestUser } from '../support/chatHarness';
import { decodeLinkCode, encodeLinkCode } from '../../src/shared/wire/linkCode';
import { fromBase64Url } from '../../src/shared/wire/encoding';
import { randomBytes } from 'node:crypto';
import { CodeComparer } from '../support/linkCheck';

let relay: Awaited<ReturnType<typeof startTestRelay>>;
let ann: TestUser;
let ben: TestUser;
let ann2: Messenger;
const ann2Dir = profileDir();
const ann2Inbox: IncomingText[] = [];
let revokedEvents = 0;

async function linkDesktop(dir: string, existing: Messenger, inbox: IncomingText[], opts: { historyDays?: number | null; tamper?: (code: string) => void } = {}): Promise<Messenger> {
  let code = '';
  const user = new CodeComparer();
  const linking = Messenger.link({
    dir,
    relayUrl: relay.url,
    deviceName: 'Studio desktop',
    passphrase: TEST_PASSPHRASE,
    pwhash: TEST_PWHASH,
    events: { incomingText: (m) => inbox.push(m), revoked: () => revokedEvents++ },
    onCode: (c) => (code = c),
    confirm: user.confirm,
  });
  await eventually(() => code);
  opts.tamper?.(code);
  expect(user.saw(existing.devices.inspectLink(code))).toMatchObject({ deviceName: 'Studio desktop' });
  await existing.devices.acceptLink(code, opts.historyDays ?? null);
  return linking;
}

beforeAll(async () => {
  relay = await startTestRelay();
  ann = await createUser('Astrid Nakamura', relay.url);
  ben = await createUser('Bruno Ekwueme', relay.url);
  await ann.messenger.contacts.add(ben.messenger.account.invite(), 'Bruno');
  await eventually(() => ben.messenger.contacts.list().find((c) => c.name === 'Astrid Nakamura'));
  await ann.messenger.conversations.sendText(ben.messenger.keys.accountId, 'History from before the link');
  await eventually(() => ben.inbox.find((m) => m.text === 'History from before the link'));
  await ben.messenger.conversations.sendText(ann.messenger.keys.accountId, 'And a reply before it');
  await eventually(() => ann.inbox.find((m) => m.text === 'And a reply before it'));
});

afterAll(async () => {
  await ann?.messenger.close();
  await ben?.messenger.close();
  await ann2?.close().catch(() => undefined);
  await relay?.close();
});

describe('linking a second desktop', () => {
  it('refuses a link code that is not one, or one for another relay, with a typed error', () => {
    expect(() => ann.messenger.devices.inspectLink('parleylink1nonsense')).toThrow(expect.objectContaining({ code: 'CHAT_LINK_INVALID' }));
  });

  it('refuses a link code whose relay key differs from the key this desktop pinned for the relay', () => {
    const code = (relayKey: Uint8Array) =>
      encodeLinkCode({ provisioningId: randomBytes(16), ephemeralKey: randomBytes(32), deviceKey: randomBytes(32), deviceName: 'Elsewhere', relayUrl: relay.url, relayKey });
    expect(() => ann.messenger.devices.inspectLink(code(randomBytes(32)))).toThrow(expect.objectContaining({ code: 'CHAT_LINK_INVALID', message: expect.stringMatching(/different identity key/) }));
    expect(ann.messenger.store.audit.list(1)[0]).toMatchObject({ kind: 'relay.key_refused', detail: { origin: 'link' } });
    expect(ann.messenger.devices.inspectLink(code(fromBase64Url(relay.relayKey)!))).toMatchObject({ deviceName: 'Elsewhere' });
  });

  it('links by code: the new desktop gets the account, contacts, trust and the old history', async () => {
    ann2 = await linkDesktop(ann2Dir, ann.messenger, ann2Inbox);
    expect(ann2.keys.accountId).toBe(ann.messenger.keys.accountId);
    expect(ann2.keys.deviceId).not.toBe(ann.messenger.keys.deviceId);
    expect(ann2.account.displayName).toBe('Astrid Nakamura');
    expect(ann2.contacts.list().map((c) => c.name)).toEqual(['Bruno']);
    const benId = ben.messenger.keys.accountId;
    expect(ann2.conversations.history(benId, 10).map((m) => [m.direction, m.body])).toEqual([
      ['out', 'History from before the link'],
      ['in', 'And a reply before it'],
    ]);
    expect(ann.messenger.devices.list().map((d) => d.name)).toContain('Studio desktop');
    expect(ann2.devices.list()).toHaveLength(2);
    expect(ann2.devices.list().find((d) => d.isThisDevice)?.name).toBe('Studio desktop');
    expect(ann2.relayKeyPin()).toBe(relay.relayKey);
    // No safety-number change for Ben: the account key is the same.
    expect(ben.messenger.contacts.safetyNumber(ann.messenger.keys.accountId).groups.join('')).toBe(ann2.contacts.safetyNumber(benId).groups.join(''));
  });

  it('delivers a contact’s message to both desktops of the account', async () => {
    await ann2.waitOnline();
    const benId = ben.messenger.keys.accountId;
    // Ben learns of the new device from its announcement and encrypts to both.
    await eventually(() => ben.messenger.store.db.prepare('SELECT count(*) FROM contact_devices WHERE account_id = ?').pluck().get(ann.messenger.keys.accountId) === 2);
    const m = await ben.messenger.conversations.sendText(ann.messenger.keys.accountId, 'Both of your desktops should see this');
    await eventually(() => ann.inbox.find((x) => x.id === m.id));
    await eventually(() => ann2Inbox.find((x) => x.id === m.id));
    expect(ann2.conversations.history(benId, 10).at(-1)?.body).toBe('Both of your desktops should see this');
  });

  it('shows a reply written on the second desktop on the first one, as sent', async () => {
    const benId = ben.messenger.keys.accountId;
    const reply = await ann2.conversations.sendText(benId, 'Replying from the studio');
    await eventually(() => ben.inbox.find((x) => x.id === reply.id));
    const onFirst = await eventually(() => ann.messenger.store.messages.get(reply.id));
    expect(onFirst).toMatchObject({ direction: 'out', body: 'Replying from the studio', conversationId: benId });
  });

  it('syncs read state between the desktops', async () => {
    const benId = ben.messenger.keys.accountId;
    const m = await ben.messenger.conversations.sendText(ann.messenger.keys.accountId, 'Read me once, anywhere');
    await eventually(() => ann.messenger.store.messages.get(m.id) && ann2.store.messages.get(m.id));
    expect(ann.messenger.store.messages.unreadCount(benId)).toBeGreaterThan(0);
    await ann2.conversations.markRead(benId);
    await eventually(() => ann.messenger.store.messages.unreadCount(benId) === 0);
  });

  it('syncs a contact’s verification to the other desktop', async () => {
    const benId = ben.messenger.keys.accountId;
    ann.messenger.contacts.setVerified(benId, true);
    await eventually(() => ann2.contacts.get(benId).trust === 'verified');
  });

  it('syncs privacy settings to the other desktop', async () => {
    ann.messenger.account.updateSettings({ typingIndicators: false, notificationPreviews: false });
    await eventually(() => !ann2.account.settings().typingIndicators && !ann2.account.settings().notificationPreviews);
    expect(ann2.account.settings().readReceipts).toBe(true);
    ann.messenger.account.updateSettings({ typingIndicators: true, notificationPreviews: true });
    await eventually(() => ann2.account.settings().typingIndicators);
  });

  it('lists both desktops with their link dates and when each last heard from the other', () => {
    const first = ann.messenger.devices.list();
    expect(first).toHaveLength(2);
    const other = first.find((d) => !d.isThisDevice)!;
    expect(other.name).toBe('Studio desktop');
    expect(other.lastSeenAt).toBeGreaterThan(0);
    expect(first.find((d) => d.isThisDevice)!.linkedAt).toBeLessThanOrEqual(other.linkedAt);
  });

  it('revokes the second desktop: it wipes its keys, and Ben’s next message does not reach it', async () => {
    const ann2Id = ann2.keys.deviceId;
    await ann.messenger.devices.revokeDevice(ann2Id);
    expect(ann.messenger.devices.list().map((d) => d.deviceId)).not.toContain(ann2Id);
    await eventually(() => revokedEvents === 1);
    await ann2.revoked;
    expect(readdirSync(ann2Dir).filter((f) => f.startsWith('parley.'))).toEqual([]);
    expect(existsSync(path.join(ann2Dir, 'parley.keys'))).toBe(false);

    await eventually(() => ben.messenger.store.db.prepare('SELECT count(*) FROM contact_devices WHERE account_id = ?').pluck().get(ann.messenger.keys.accountId) === 1);
    const before = ann2Inbox.length;
    const m = await ben.messenger.conversations.sendText(ann.messenger.keys.accountId, 'Only the first desktop now');
    await eventually(() => ann.inbox.find((x) => x.id === m.id));
    await eventually(async () => (await ben.messenger.conversations.flush(), ben.messenger.store.delivery.outbox(100).length === 0));
    expect(ann2Inbox.length).toBe(before);
  });

  it('refuses a provisioning message a relay altered, and creates no profile', async () => {
    const dir = profileDir();
    let code = '';
    const linking = Messenger.link({ dir, relayUrl: relay.url, deviceName: 'Tampered desktop', passphrase: TEST_PASSPHRASE, pwhash: TEST_PWHASH, onCode: (c) => (code = c), confirm: new CodeComparer().confirm });
    const failed = linking.then(
      () => null,
      (e: unknown) => e,
    );
    await eventually(() => code);
    // Play a relay that swaps the payload: post garbage to the channel the code names.
    const client = ann.messenger;
    const link = decodeLinkCode(code);
    const rc = await (client as unknown as { waitOnline(): Promise<boolean> }).waitOnline();
    expect(rc).toBe(true);
    const { RelayClient } = await import('../../src/main/relayClient/client');
    const { relayEndpoint } = await import('../../src/main/relayClient/relayLink');
    const raw = await RelayClient.connect(relayEndpoint(relay.url));
    await raw.authenticate(ann.messenger.keys.accountId, ann.messenger.keys.deviceSigner);
    const { toBase64Url } = await import('../../src/shared/wire/encoding');
    await raw.provisionSend(toBase64Url(link.provisioningId), toBase64Url(new Uint8Array(200).fill(7)));
    await raw.close();
    const err = (await failed) as { code?: string } | null;
    expect(err?.code).toBe('PROVISIONING_DECRYPT_FAILED');
    expect(existsSync(path.join(dir, 'parley.keys'))).toBe(false);
    writeFileSync(path.join(dir, 'marker'), 'ok');
  });
});
