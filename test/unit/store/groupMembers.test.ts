/** The group store's one-query member reads that every group send makes: each member's devices, and the strangers whose devices are still to be learned. */
import { describe, expect, it } from 'vitest';
import { rawKeyStore, reopen } from '../../support/storeFixture';
import { keyId } from '../backup/seed';

async function seeded() {
  const { store, dbPath, key } = await rawKeyStore();
  const [me, contact, stranger, unknown] = [keyId(), keyId(), keyId(), keyId()];
  const gid = keyId();
  store.groups.put({ id: gid, genesis: 'g', masterKey: new Uint8Array(32), status: 'member', rotate: false }, 1);
  store.groups.setMembers(gid, [
    { accountId: unknown, role: 'member', name: 'Una' },
    { accountId: me, role: 'admin', name: 'Me' },
    { accountId: contact, role: 'member', name: 'Cai' },
    { accountId: stranger, role: 'member', name: 'Sol' },
  ]);
  store.contacts.insert({ accountId: contact, name: 'Cai', relayUrl: null }, 1);
  const contactDevices = [keyId(), keyId(), keyId()];
  store.contacts.setDevices(contact, contactDevices);
  const strangerDevices = [keyId(), keyId()];
  store.groups.setDevices(gid, stranger, strangerDevices);
  return { store, dbPath, key, gid, me, contact, stranger, unknown, contactDevices, strangerDevices };
}

describe('group member reads', () => {
  it('gives each member’s devices in state order: a contact’s from their list, a stranger’s as verified, none where none is known', async () => {
    const s = await seeded();
    expect(s.store.groups.memberDeviceIds(s.gid)).toEqual([
      { accountId: s.unknown, devices: [], contact: false },
      { accountId: s.me, devices: [], contact: false },
      { accountId: s.contact, devices: [...s.contactDevices].sort(), contact: true },
      { accountId: s.stranger, devices: s.strangerDevices, contact: false },
    ]);
  });

  it('takes a contact’s devices, not a stale list left on their member row', async () => {
    const s = await seeded();
    s.store.groups.setDevices(s.gid, s.contact, [keyId()]);
    expect(s.store.groups.memberDeviceIds(s.gid).find((m) => m.accountId === s.contact)?.devices).toEqual([...s.contactDevices].sort());
  });

  it('names the strangers with no devices on record to learn, or every stranger when asked for all, never this account or a contact', async () => {
    const s = await seeded();
    expect(s.store.groups.contactsWithoutDevices(s.gid)).toEqual([]);
    s.store.contacts.setDevices(s.contact, []);
    expect(s.store.groups.contactsWithoutDevices(s.gid)).toEqual([s.contact]);
    expect(s.store.groups.strangersToLearn(s.gid, s.me, false)).toEqual([s.unknown]);
    expect(s.store.groups.strangersToLearn(s.gid, s.me, true)).toEqual([s.unknown, s.stranger]);
    expect(s.store.groups.strangersToLearn(keyId(), s.me, true)).toEqual([]);
  });

  it('never serves a cached read past a change to the members, the contacts, their devices or the chain recipients, whatever wrote it', async () => {
    const s = await seeded();
    const devicesOf = (a: string) => s.store.groups.memberDeviceIds(s.gid).find((m) => m.accountId === a)?.devices;
    expect(devicesOf(s.unknown)).toEqual([]);
    const d = keyId();
    s.store.groups.setDevices(s.gid, s.unknown, [d]);
    expect(devicesOf(s.unknown)).toEqual([d]);
    s.store.contacts.insert({ accountId: s.unknown, name: 'Una', relayUrl: null }, 2);
    expect(devicesOf(s.unknown)).toEqual([]);
    const e = keyId();
    s.store.contacts.setDevices(s.unknown, [e]);
    expect(devicesOf(s.unknown)).toEqual([e]);
    s.store.db.prepare('DELETE FROM contacts WHERE account_id = ?').run(s.unknown);
    expect(devicesOf(s.unknown)).toEqual([d]);
    s.store.groups.setMembers(s.gid, [{ accountId: s.me, role: 'admin', name: 'Me' }]);
    expect(s.store.groups.memberDeviceIds(s.gid)).toEqual([{ accountId: s.me, devices: [], contact: false }]);
    // A rolled-back write leaves the committed rows, and the read shows them.
    expect(() => s.store.db.transaction(() => {
      s.store.groups.setMembers(s.gid, [{ accountId: s.contact, role: 'admin', name: 'Cai' }]);
      expect(s.store.groups.memberDeviceIds(s.gid)).toEqual([{ accountId: s.contact, devices: [...s.contactDevices].sort(), contact: true }]);
      throw new Error('rolled back');
    })()).toThrow('rolled back');
    expect(s.store.groups.memberDeviceIds(s.gid)).toEqual([{ accountId: s.me, devices: [], contact: false }]);
    expect(s.store.groups.given(s.gid, 7).size).toBe(0);
    s.store.groups.markGiven(s.gid, `${s.contact}.${s.contactDevices[0]}`, 7, 3);
    expect([...s.store.groups.given(s.gid, 7)]).toEqual([[`${s.contact}.${s.contactDevices[0]}`, 3]]);
    expect(s.store.groups.given(s.gid, 8).size).toBe(0);
  });

  it('sees a change another connection to the same store committed (the app and a CLI command on one profile), from the next turn on', async () => {
    const s = await seeded();
    expect(s.store.groups.memberDeviceIds(s.gid)).toHaveLength(4);
    expect(s.store.groups.given(s.gid, 1).size).toBe(0);
    const other = reopen(s.dbPath, s.key);
    other.groups.setMembers(s.gid, [{ accountId: s.me, role: 'admin', name: 'Me' }]);
    other.groups.markGiven(s.gid, 'x.y', 1, 0);
    other.close();
    // Another process's commit lands between two turns of this one; within one run of synchronous code data_version is read once (tableWatch.ts).
    await new Promise<void>((r) => setImmediate(r));
    expect(s.store.groups.memberDeviceIds(s.gid)).toEqual([{ accountId: s.me, devices: [], contact: false }]);
    expect([...s.store.groups.given(s.gid, 1)]).toEqual([['x.y', 0]]);
  });

  it('looks up one member by account, with the name they chose and their devices, and null for someone not in the group', async () => {
    const s = await seeded();
    expect(s.store.groups.member(s.gid, s.stranger)).toEqual({ accountId: s.stranger, role: 'member', name: 'Sol', displayName: null, devices: s.strangerDevices });
    expect(s.store.groups.member(s.gid, s.me)?.role).toBe('admin');
    expect(s.store.groups.member(s.gid, keyId())).toBeNull();
    expect(s.store.groups.member(keyId(), s.me)).toBeNull();
  });

  it('counts receipts only from current members, so a member who left never makes it "delivered to 2 of 1"', async () => {
    const s = await seeded();
    s.store.messages.upsertConversation({ id: s.gid, kind: 'group', peerAccountId: null, title: 'G', expireTimerMs: null });
    s.store.messages.insert({ id: 'm1', conversationId: s.gid, sender: s.me, direction: 'out', body: 'hi', sentAt: 1, receivedAt: 1, state: 'sent' });
    s.store.groups.noteReceipt('m1', s.contact, 'read', 2);
    s.store.groups.noteReceipt('m1', s.stranger, 'delivered', 2);
    expect(s.store.groups.receiptCounts('m1')).toEqual({ delivered: 2, read: 1 });
    s.store.groups.setMembers(s.gid, [{ accountId: s.me, role: 'admin', name: 'Me' }, { accountId: s.stranger, role: 'member', name: 'Sol' }]);
    expect(s.store.groups.receiptCounts('m1')).toEqual({ delivered: 1, read: 0 });
    expect(s.store.groups.receiptAccounts('m1')).toEqual(new Set([s.contact, s.stranger])); // the record stays: retry skips whoever confirmed
  });

  it('says which receipts change the counts shown: a member’s first, and their first read, but not a repeat or a late delivered', async () => {
    const s = await seeded();
    s.store.messages.upsertConversation({ id: s.gid, kind: 'group', peerAccountId: null, title: 'G', expireTimerMs: null });
    s.store.messages.insert({ id: 'm1', conversationId: s.gid, sender: s.me, direction: 'out', body: 'hi', sentAt: 1, receivedAt: 1, state: 'sent' });
    expect(s.store.groups.noteReceipt('m1', s.contact, 'delivered', 2)).toBe(true);
    expect(s.store.groups.noteReceipt('m1', s.contact, 'delivered', 3)).toBe(false);
    expect(s.store.groups.noteReceipt('m1', s.stranger, 'read', 3)).toBe(true); // the row's state was already moved by the first member
    expect(s.store.groups.noteReceipt('m1', s.contact, 'read', 4)).toBe(true);
    expect(s.store.groups.noteReceipt('m1', s.contact, 'read', 5)).toBe(false);
    expect(s.store.groups.noteReceipt('m1', s.stranger, 'delivered', 6)).toBe(false);
    expect(s.store.groups.receiptCounts('m1')).toEqual({ delivered: 2, read: 2 });
  });
});
