import { describe, expect, it } from 'vitest';
import { conv, rawKeyStore, reopen } from '../../support/storeFixture';

describe('account, contacts, attachments, reactions, backup state', () => {
  it('keeps the account key material sealed and returns it after a reopen', async () => {
    const { store, dbPath, key } = await rawKeyStore();
    store.directory.setAccount('acct-me', 'Me', new Uint8Array([1, 2, 3]));
    store.ownDevices.add('dev-1', 'Laptop', true, 7);
    store.directory.upsertContact({ accountId: 'acct-x', displayName: 'Xavier' });
    store.directory.upsertContact({ accountId: 'acct-x', displayName: 'Xavi' });
    store.directory.setBackupState({ lastBackupAt: 5, cursor: 'c', status: 'done' });
    store.close();
    const s = reopen(dbPath, key);
    expect(s.directory.account()).toEqual({ accountId: 'acct-me', displayName: 'Me', keyMaterial: new Uint8Array([1, 2, 3]) });
    expect(s.ownDevices.all()).toEqual([{ deviceId: 'dev-1', name: 'Laptop', isThisDevice: true, linkedAt: 7, lastSeenAt: null }]);
    expect(s.directory.contacts()).toEqual([{ accountId: 'acct-x', displayName: 'Xavi' }]);
    expect(s.directory.backupState()).toEqual({ lastBackupAt: 5, cursor: 'c', status: 'done' });
    expect(s.db.prepare('SELECT key_material FROM account').pluck().get()).not.toEqual(Buffer.from([1, 2, 3]));
    s.close();
  });

  it('stores attachment keys sealed and deletes attachments and reactions with their message', async () => {
    const { store } = await rawKeyStore();
    store.messages.upsertConversation(conv('c1'));
    store.messages.insert({ id: 'm1', conversationId: 'c1', sender: 's', direction: 'in', body: 'pic', sentAt: 1, receivedAt: 1, state: 'delivered' });
    const a = { id: 'a1', messageId: 'm1', contentType: 'image/png', size: 10, fileName: 'x.png', localPath: '/tmp/a1.enc', key: new Uint8Array(64).fill(4), digest: new Uint8Array(32).fill(5) };
    store.attachments.put(a);
    expect(store.attachments.forMessage('m1')).toEqual([a]);
    store.reactions.set({ messageId: 'm1', sender: 's', emoji: '👍', reactedAt: 10 });
    store.reactions.set({ messageId: 'm1', sender: 's', emoji: '😂', reactedAt: 5 });
    expect(store.reactions.forMessage('m1').map((r) => r.emoji)).toEqual(['👍']);
    store.messages.delete('m1');
    expect(store.attachments.forMessage('m1')).toEqual([]);
    expect(store.reactions.forMessage('m1')).toEqual([]);
    store.close();
  });
});
