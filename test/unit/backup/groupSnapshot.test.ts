/** Groups in snapshots (backups and links): state, versions, master key and members travel; sender keys do not; old snapshots still import. */
import sodium from 'libsodium-wrappers-sumo';
import { describe, expect, it } from 'vitest';
import { exportState, importState } from '../../../src/main/snapshot/snapshot';
import { signVersion, versionHash } from '../../../src/main/groups/protocol/groupState';
import { toBase64Url } from '../../../src/shared/wire/encoding';
import { rawKeyStore } from '../../support/storeFixture';
import { keyId } from './seed';

async function groupStore() {
  await sodium.ready;
  const { store } = await rawKeyStore();
  const admin = sodium.crypto_sign_keypair();
  const me = toBase64Url(admin.publicKey);
  const other = keyId();
  store.directory.setAccount(me, 'Ada', new Uint8Array([1]));
  const gid = keyId();
  const v = signVersion(null, gid, me, admin.privateKey, { type: 'create', name: 'Night shift', members: [{ accountId: me, role: 'admin', name: 'Ada' }, { accountId: other, role: 'member', name: 'Bo' }], timer: null });
  const master = new Uint8Array(32).fill(5);
  store.groups.put({ id: gid, genesis: versionHash(v), masterKey: master, status: 'member', rotate: false }, 1);
  store.groups.addVersion(gid, versionHash(v), 1, JSON.stringify(v), 1_700_000_000_000);
  store.groups.setMembers(gid, v.change.type === 'create' ? v.change.members : []);
  store.groups.setDisplayName(gid, other, 'Bo Chosen');
  store.groups.setDevices(gid, other, [keyId()]);
  store.groups.putSenderKey(gid, `${me}.${keyId()}`, new Uint8Array([7, 7, 7]));
  return { store, gid, me, other, master, hash: versionHash(v) };
}

describe('groups in snapshots', () => {
  it('carries a group’s versions, master key and members with the names they chose, but no sender keys', async () => {
    const { store: source, gid, me, master } = await groupStore();
    const state = exportState(source);
    expect(state.groups).toHaveLength(1);
    const { store: target } = await rawKeyStore();
    target.directory.setAccount(me, 'Ada', new Uint8Array([1]));
    importState(target, JSON.parse(JSON.stringify(state)));
    expect(target.groups.get(gid)).toMatchObject({ status: 'member', masterKey: master });
    expect(target.groups.versions(gid)).toEqual(source.groups.versions(gid));
    expect(target.groups.members(gid)).toEqual(source.groups.members(gid));
    expect(target.db.prepare('SELECT count(*) FROM group_sender_keys').pluck().get()).toBe(0);
    importState(target, state);
    expect(target.groups.versions(gid)).toHaveLength(1);
  });

  it('carries when each version was adopted and members’ key changes, and imports a version without a time at the group’s start', async () => {
    const { store: source, gid, me, other, hash } = await groupStore();
    const newId = keyId();
    source.groups.addKeyChange(gid, other, newId, 1_700_000_005_000);
    const state = exportState(source);
    const { store: target } = await rawKeyStore();
    target.directory.setAccount(me, 'Ada', new Uint8Array([1]));
    importState(target, JSON.parse(JSON.stringify(state)));
    expect(target.groups.adoptedTimes(gid)).toEqual(new Map([[hash, 1_700_000_000_000]]));
    expect(target.groups.keyChanges(gid)).toEqual([{ accountId: other, newAccountId: newId, at: 1_700_000_005_000 }]);
    // A snapshot written before schema 14: no adoptedAt, no keyChanges.
    const old = { ...state, groups: state.groups!.map(({ keyChanges: _k, ...g }) => ({ ...g, versions: g.versions.map(({ adoptedAt: _a, ...v }) => v) })) };
    const { store: older } = await rawKeyStore();
    older.directory.setAccount(me, 'Ada', new Uint8Array([1]));
    importState(older, old);
    expect(older.groups.adoptedTimes(gid)).toEqual(new Map([[hash, 0]]));
    expect(older.groups.keyChanges(gid)).toEqual([]);
  });

  it('imports a snapshot from before groups, and refuses a malformed group with SNAPSHOT_MALFORMED', async () => {
    const { store: source, me } = await groupStore();
    const { groups, ...old } = exportState(source);
    const { store: target } = await rawKeyStore();
    target.directory.setAccount(me, 'Ada', new Uint8Array([1]));
    importState(target, old);
    expect(target.groups.ids()).toEqual([]);
    expect(() => importState(target, { ...old, groups: [{ ...groups![0]!, status: 'owner' }] })).toThrow(expect.objectContaining({ code: 'SNAPSHOT_MALFORMED' }));
    expect(target.groups.ids()).toEqual([]);
  });
});
