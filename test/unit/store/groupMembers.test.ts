/** The group store's one-query member reads that every group send makes: each member's devices, and the strangers whose devices are still to be learned. */
import { describe, expect, it } from 'vitest';
import { rawKeyStore } from '../../support/storeFixture';
import { keyId } from '../backup/seed';

async function seeded() {
  const { store } = await rawKeyStore();
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
  return { store, gid, me, contact, stranger, unknown, contactDevices, strangerDevices };
}

describe('group member reads', () => {
  it('gives each member’s devices in state order: a contact’s from their list, a stranger’s as verified, none where none is known', async () => {
    const s = await seeded();
    expect(s.store.groups.memberDeviceIds(s.gid)).toEqual([
      { accountId: s.unknown, devices: [] },
      { accountId: s.me, devices: [] },
      { accountId: s.contact, devices: [...s.contactDevices].sort() },
      { accountId: s.stranger, devices: s.strangerDevices },
    ]);
  });

  it('takes a contact’s devices, not a stale list left on their member row', async () => {
    const s = await seeded();
    s.store.groups.setDevices(s.gid, s.contact, [keyId()]);
    expect(s.store.groups.memberDeviceIds(s.gid).find((m) => m.accountId === s.contact)?.devices).toEqual([...s.contactDevices].sort());
  });

  it('names the strangers with no devices on record to learn, or every stranger when asked for all, never this account or a contact', async () => {
    const s = await seeded();
    expect(s.store.groups.strangersToLearn(s.gid, s.me, false)).toEqual([s.unknown]);
    expect(s.store.groups.strangersToLearn(s.gid, s.me, true)).toEqual([s.unknown, s.stranger]);
    expect(s.store.groups.strangersToLearn(keyId(), s.me, true)).toEqual([]);
  });
});
