/**
 * "Not delivered" and its retry action for a group message, through the
 * same call the IPC handler and the CLI use (conversations.retryMessage):
 * Ann's message reaches no member before her delivery deadline (both are
 * offline), shows "not delivered", and is sent again as a group message to
 * the member devices with no receipt; each member keeps one copy, and their
 * receipts move it to delivered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Messenger } from '../../src/main/messenger/messenger';
import { eventually, reopen, TEST_PASSPHRASE, type TestUser } from '../support/chatHarness';
import { groupTrio } from '../support/groupTrio';
import { startHostileRelay, type HostileRelay } from '../support/hostileRelay';
import { startTestRelay } from '../support/relayHarness';

const DEADLINE_MS = 1_500;

let relay: Awaited<ReturnType<typeof startTestRelay>>;
let proxy: HostileRelay;
let ann: TestUser;
let ben: TestUser;
let cat: TestUser;
let groupId = '';

const uploads = (): number => proxy.connections.reduce((n, c) => n + c.seen.filter((s) => s.dir === 'up' && s.binary).length, 0);

beforeAll(async () => {
  relay = await startTestRelay();
  proxy = await startHostileRelay(relay.url);
  ({ ann, ben, cat, groupId } = await groupTrio(relay.url, 'Retry', 'Harbour'));
  // Ann again, through a proxy that counts her uploads, with a short delivery deadline.
  await ann.messenger.close();
  ann.messenger = await Messenger.open({ dir: ann.dir, relayUrl: proxy.url, passphrase: TEST_PASSPHRASE, deliveryDeadlineMs: DEADLINE_MS });
  await ann.messenger.waitOnline();
}, 90_000);

afterAll(async () => {
  for (const u of [ann, ben, cat]) await u?.messenger.close().catch(() => undefined);
  await proxy?.close();
  await relay?.close();
});

describe('retry of a group message that shows "not delivered"', () => {
  it('refuses to send again a group message that is not marked not delivered', async () => {
    const m = await ann.messenger.groups.sendText(groupId, 'Still on its way');
    await expect(ann.messenger.conversations.retryMessage(m.id)).rejects.toMatchObject({ code: 'CHAT_NOT_FAILED' });
  });

  it('sends a not-delivered group message again as one group upload, and every member keeps one copy', async () => {
    await ben.messenger.close();
    await cat.messenger.close();
    const m = await ann.messenger.groups.sendText(groupId, 'Storm warning');
    await new Promise((r) => setTimeout(r, DEADLINE_MS + 100));
    ann.messenger.conversations.checkDeliveries();
    expect(ann.messenger.store.messages.get(m.id)?.state).toBe('failed');
    const before = uploads();
    const retried = await ann.messenger.conversations.retryMessage(m.id);
    expect(retried.id).toBe(m.id);
    await eventually(() => ann.messenger.store.messages.get(m.id)?.state === 'sent', 20_000);
    expect(uploads() - before).toBe(1);
    await reopen(ben, relay.url);
    await reopen(cat, relay.url);
    await eventually(() => [ben, cat].every((u) => u.messenger.store.messages.get(m.id)?.body === 'Storm warning'), 20_000);
    // Both copies (the first send and the retry) reached each member; the receipts come back and the message is delivered.
    await eventually(() => ann.messenger.groups.receipts(m.id).delivered === 2 && ann.messenger.store.messages.get(m.id)?.state === 'delivered', 20_000);
    for (const u of [ben, cat]) {
      await u.messenger.conversations.drain();
      const shown = u.messenger.groups.history(groupId, 100);
      expect(shown.filter((x) => x.body === 'Storm warning')).toHaveLength(1);
      expect(shown.some((x) => x.kind === 'undecryptable')).toBe(false);
      expect(u.messenger.store.messages.get(m.id)?.conversationId).toBe(groupId);
    }
  }, 90_000);
});
