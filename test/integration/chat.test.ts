/**
 * Two people chat through a real relay on loopback, each on a real
 * encrypted SQLite profile: contact by invite, messages both ways, delivery
 * and read receipts, offline delivery, search, and the identity-change block.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { startTestRelay } from '../support/relayHarness';
import { createUser, eventually, reopen, type TestUser } from '../support/chatHarness';

let relay: Awaited<ReturnType<typeof startTestRelay>>;
let ann: TestUser;
let ben: TestUser;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

beforeAll(async () => {
  relay = await startTestRelay();
  ann = await createUser('Annabelle Quist', relay.url);
  ben = await createUser('Benedikt Oyelaran', relay.url);
});

afterAll(async () => {
  await ann?.messenger.close();
  await ben?.messenger.close();
  await relay?.close();
});

describe('1:1 chat on a real relay', () => {
  it('adds a contact by invite code, and the other side learns who added them', async () => {
    const contact = await ann.messenger.contacts.add(ben.messenger.account.invite(), 'Benny Oyelaran');
    expect(contact).toMatchObject({ name: 'Benny Oyelaran', trust: 'unverified', pendingAccountId: null });
    const annSeen = await eventually(() => ben.messenger.contacts.list().find((c) => c.name === 'Annabelle Quist'));
    expect(annSeen?.accountId).toBe(ann.messenger.keys.accountId);
  });

  it('delivers a message and reports delivered, then read, back to the sender', async () => {
    const benId = ben.messenger.keys.accountId;
    const sent = await ann.messenger.conversations.sendText(benId, 'Meet at the lighthouse at noon');
    expect(['queued', 'sent']).toContain(sent.state);
    await eventually(() => ben.inbox.find((m) => m.id === sent.id));
    expect(ben.inbox.find((m) => m.id === sent.id)).toMatchObject({ from: 'Annabelle Quist', text: 'Meet at the lighthouse at noon' });
    await eventually(() => ann.messenger.store.messages.get(sent.id)?.state === 'delivered');
    await ben.messenger.conversations.markRead(ann.messenger.keys.accountId);
    await eventually(() => ann.messenger.store.messages.get(sent.id)?.state === 'read');
  });

  it('replies the other way', async () => {
    const reply = await ben.messenger.conversations.sendText(ann.messenger.keys.accountId, 'Noon works. Bring the map.');
    await eventually(() => ann.inbox.find((m) => m.id === reply.id));
    expect(ann.messenger.conversations.history(ben.messenger.keys.accountId, 10).map((m) => m.body)).toEqual([
      'Meet at the lighthouse at noon',
      'Noon works. Bring the map.',
    ]);
  });

  it('holds messages for an offline recipient and delivers each exactly once when it returns', async () => {
    await ben.messenger.close();
    const benId = ann.messenger.contacts.list().find((c) => c.name === 'Benny Oyelaran')!.accountId;
    const texts = ['first while away', 'second while away', 'third while away'];
    for (const t of texts) await ann.messenger.conversations.sendText(benId, t);
    await ann.messenger.conversations.flush();
    await reopen(ben);
    await eventually(() => texts.every((t) => ben.inbox.some((m) => m.text === t)));
    await ben.messenger.conversations.drain();
    const got = ben.messenger.conversations.history(ann.messenger.keys.accountId, 50).filter((m) => texts.includes(m.body));
    expect(got.map((m) => m.body)).toEqual(texts);
  });

  it('finds messages by word across conversations, ignoring accents', () => {
    const hits = ben.messenger.conversations.search('LIGHTHOUSE');
    expect(hits.map((m) => m.body)).toContain('Meet at the lighthouse at noon');
  });

  it('shows the same 60-digit safety number on both sides and records verification', () => {
    const a = ann.messenger.contacts.safetyNumber(ben.messenger.keys.accountId);
    const b = ben.messenger.contacts.safetyNumber(ann.messenger.keys.accountId);
    expect(a.digits).toMatch(/^\d{60}$/);
    expect(a.digits).toBe(b.digits);
    expect(ann.messenger.contacts.setVerified(ben.messenger.keys.accountId, true).trust).toBe('verified');
  });

  it('blocks sending after a contact’s account key changes, until the user accepts', async () => {
    const cal = await createUser('Calloway', relay.url);
    try {
      // Ann is given a new code for "Ben" that carries a different account key.
      const changed = await ann.messenger.contacts.add(cal.messenger.account.invite(), 'benny oyelaran');
      expect(changed.pendingAccountId).toBe(cal.messenger.keys.accountId);
      expect(changed.trust).toBe('changed');
      await expect(ann.messenger.conversations.sendText(ben.messenger.keys.accountId, 'hello?')).rejects.toMatchObject({ code: 'CHAT_IDENTITY_CHANGED' });
    } finally {
      await cal.messenger.close();
    }
  });

  it('rejects bad invite codes and self-invites with typed errors', async () => {
    await expect(ann.messenger.contacts.add('parley1garbage', 'X')).rejects.toMatchObject({ code: 'INVITE_MALFORMED' });
    await expect(ann.messenger.contacts.add(ann.messenger.account.invite(), 'Me')).rejects.toMatchObject({ code: 'CHAT_SELF_CONTACT' });
  });

  it('leaves no message text or contact name readable in any profile or relay file', async () => {
    await ann.messenger.store.checkpoint();
    await ben.messenger.store.checkpoint();
    const canaries = ['lighthouse', 'Bring the map', 'while away', 'Annabelle Quist', 'Benedikt Oyelaran', 'Benny Oyelaran'];
    for (const dir of [ann.dir, ben.dir, relay.dataDir]) {
      for (const file of filesUnder(dir)) {
        const bytes = readFileSync(file);
        for (const c of canaries) {
          expect(bytes.includes(Buffer.from(c, 'utf8')), `${c} in ${file}`).toBe(false);
        }
      }
    }
  });
});
