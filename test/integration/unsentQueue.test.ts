/**
 * Content waiting for a session is tried recipient by recipient
 * (conversations/unsent.ts): a device that never publishes a bundle, with
 * more waiting rows than one pass reads, does not hide a later row for a
 * device that can be reached, and a send to that device puts what waited
 * for it first, however far back in the log it is.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRelay } from '../support/relayHarness';
import { createUser, eventually, type TestUser } from '../support/chatHarness';
import { encodeContent } from '../../src/shared/wire/content';
import { toBase64Url } from '../../src/shared/wire/encoding';
import { STORE_MAX_PENDING_LIST } from '../../src/shared/constants';
import { newMessageId } from '../../src/main/conversations/messageId';
import { linkDesktop } from '../support/linkCheck';

let relay: Awaited<ReturnType<typeof startTestRelay>>;
let ann: TestUser;
let bob: TestUser;

/** A device nobody published: its bundle fetch fails, so content for it waits (and backs off). */
const ghost = `${toBase64Url(new Uint8Array(randomBytes(32)))}.${toBase64Url(new Uint8Array(randomBytes(32)))}`;
const text = (body: string) => {
  const id = newMessageId();
  return { id, content: encodeContent({ v: 1, type: 'text', id, text: body, sentAt: Date.now(), replyTo: null, expireSeconds: null, attachment: null }) };
};

beforeAll(async () => {
  relay = await startTestRelay();
  ann = await createUser('Ann Queue', relay.url);
  bob = await createUser('Bob Queue', relay.url);
  await ann.messenger.contacts.add(bob.messenger.account.invite(), 'Bob');
  await eventually(() => bob.messenger.contacts.list().length === 1, 20_000);
  const hi = await ann.messenger.conversations.sendText(bob.messenger.keys.accountId, 'hello');
  await eventually(() => bob.messenger.store.messages.get(hi.id) !== null, 20_000);
}, 60_000);

afterAll(async () => {
  for (const u of [ann, bob]) await u?.messenger.close();
  await relay?.close();
});

describe('content waiting for a session', () => {
  it('reaches a device whose row is logged behind more rows for an unreachable device than one pass reads', async () => {
    const store = ann.messenger.store;
    const bobDevice = `${bob.messenger.keys.accountId}.${bob.messenger.keys.deviceId}`;
    store.db.transaction(() => {
      store.repairs.logSent(Array.from({ length: STORE_MAX_PENDING_LIST + 10 }, () => ({ recipient: ghost, digest: null, content: text('for nobody').content, messageId: null })));
    })();
    const late = text('Behind the queue');
    store.repairs.logSent([{ recipient: bobDevice, digest: null, content: late.content, messageId: late.id }]);
    await eventually(async () => {
      await ann.messenger.conversations.flushUnsent();
      return bob.messenger.store.messages.get(late.id)?.body === 'Behind the queue';
    }, 20_000);
    expect(store.repairs.unsentRecipients()).toEqual([ghost]);
  }, 60_000);

  it('sends what waited for a device first when a new send reaches it, however far back it was logged', async () => {
    const store = ann.messenger.store;
    const bobDevice = `${bob.messenger.keys.accountId}.${bob.messenger.keys.deviceId}`;
    const waited = text('Waited for Bob');
    store.repairs.logSent([{ recipient: bobDevice, digest: null, content: waited.content, messageId: waited.id }]);
    const now = await ann.messenger.conversations.sendText(bob.messenger.keys.accountId, 'Sent after it');
    // Committed to the outbox with (before) the new text, not left for a later pass.
    expect(store.repairs.unsentFor(bobDevice, 10)).toEqual([]);
    await eventually(() => bob.messenger.store.messages.get(now.id) !== null && bob.messenger.store.messages.get(waited.id) !== null, 20_000);
  }, 60_000);
});

describe('content waiting for a device its account revoked', () => {
  it('forgets it, with a trace, once the account’s list no longer names the device, though the change never reached us', async () => {
    const cat = await createUser('Cat Queue', relay.url);
    try {
      await ann.messenger.contacts.add(cat.messenger.account.invite(), 'Cat');
      await eventually(() => cat.messenger.contacts.list().length === 1, 20_000);
      const cat2 = await linkDesktop(cat.messenger, relay.url, 'Cat laptop');
      const catId = cat.messenger.keys.accountId;
      await eventually(() => ann.messenger.store.contacts.devices(catId).includes(cat2.keys.deviceId), 20_000);
      const revoked = cat2.keys.deviceId;
      await cat.messenger.devices.revokeDevice(revoked);
      await cat2.close().catch(() => undefined);
      await eventually(() => !ann.messenger.store.contacts.devices(catId).includes(revoked), 20_000);
      // As after a crash between the receive commit and its list refresh: Ann still lists the revoked laptop, and content waits for it.
      ann.messenger.store.contacts.setDevices(catId, [cat.messenger.keys.deviceId, revoked]);
      const waiting = text('For a laptop that is gone');
      ann.messenger.store.repairs.logSent([{ recipient: `${catId}.${revoked}`, digest: null, content: waiting.content, messageId: waiting.id }]);
      await eventually(async () => {
        await ann.messenger.conversations.flushUnsent();
        return ann.messenger.store.repairs.unsentFor(`${catId}.${revoked}`, 10).length === 0;
      }, 20_000);
      expect(ann.messenger.store.contacts.devices(catId)).toEqual([cat.messenger.keys.deviceId]);
      expect(ann.messenger.store.audit.list(200).some((e) => e.kind === 'delivery.failed' && e.detail['reason'] === 'UNLISTED_DEVICE' && e.detail['address'] === `${catId}.${revoked}`)).toBe(true);
    } finally {
      await cat.messenger.close();
    }
  }, 90_000);
});
