import { describe, expect, it } from 'vitest';
import { decryptMessage, encryptMessage } from '../../../src/main/protocol/session';
import { generateOneTimeKemPreKeys, generateLastResortKemPreKey, IdentityKeyPair } from '../../../src/main/protocol/keys';
import { bytes, establishedPair, makeDevice, recordOf, text } from '../../support/protocolDevice';
import { SessionDriver } from '../../support/sessionDriver';
import { rawKeyStore, reopen } from '../../support/storeFixture';

const addr = { accountId: 'acct-b', deviceId: 'dev-b' };

describe('protocol stores on SQLite', () => {
  it('hands session records back unchanged across a reopen', async () => {
    const { store, dbPath, key } = await rawKeyStore();
    const rec = new Uint8Array(500).map((_, i) => i & 0xff);
    store.protocol.storeSessionSync(addr, rec);
    store.close();
    const s = reopen(dbPath, key);
    expect(s.protocol.loadSessionSync(addr)).toEqual(rec);
    expect(s.protocol.loadSessionSync({ accountId: 'x', deviceId: 'y' })).toBeNull();
    s.close();
  });

  it('refuses a sealed record moved to another row', async () => {
    const { store } = await rawKeyStore();
    store.protocol.storeSessionSync(addr, new Uint8Array([1, 2, 3]));
    store.protocol.storeSessionSync({ accountId: 'acct-c', deviceId: 'dev-c' }, new Uint8Array([4]));
    store.db.prepare(`UPDATE sessions SET record = (SELECT record FROM sessions WHERE address = 'acct-b.dev-b') WHERE address = 'acct-c.dev-c'`).run();
    expect(() => store.protocol.loadSessionSync({ accountId: 'acct-c', deviceId: 'dev-c' })).toThrow(expect.objectContaining({ code: 'STORE_SEAL_FAILED' }));
    expect(store.protocol.loadSessionSync(addr)).toEqual(new Uint8Array([1, 2, 3]));
    store.close();
  });

  it('tracks identity trust: new is unverified, a different key is changed, then verified', async () => {
    const { store } = await rawKeyStore();
    expect(store.protocol.saveIdentitySync(addr, new Uint8Array([1]))).toBe(false);
    expect(store.protocol.getIdentitySync(addr)?.trust).toBe('unverified');
    expect(store.protocol.saveIdentitySync(addr, new Uint8Array([1]))).toBe(false);
    expect(store.protocol.saveIdentitySync(addr, new Uint8Array([2]))).toBe(true);
    expect(store.protocol.getIdentitySync(addr)).toEqual({ key: new Uint8Array([2]), trust: 'changed' });
    store.protocol.setTrustSync(addr, 'verified');
    expect(store.protocol.getIdentitySync(addr)?.trust).toBe('verified');
    store.close();
  });

  it('removes a one-time KEM prekey when used and keeps the last-resort one', async () => {
    const pair = await makeDevice('k');
    const { store } = await rawKeyStore();
    const one = generateOneTimeKemPreKeys(pair.identity, 7, 1)[0]!;
    const last = generateLastResortKemPreKey(pair.identity, 8);
    store.protocol.putPreKeyRecordSync('kem', 7, one.serialize());
    store.protocol.putPreKeyRecordSync('kem', 8, last.serialize());
    store.protocol.markKyberPreKeyUsedSync(7);
    store.protocol.markKyberPreKeyUsedSync(8);
    expect(store.protocol.loadKyberPreKeySync(7)).toBeNull();
    expect(store.protocol.loadKyberPreKeySync(8)).toEqual(last.serialize());
    store.close();
  });

  it('runs the real engine over the SQLite stores', async () => {
    const { alice, bob } = await establishedPair();
    const { store } = await rawKeyStore();
    store.protocol.setIdentityKeyPairSync(bob.identity.serialize());
    store.protocol.storeSessionSync(alice.address, recordOf(bob, alice));
    const overSqlite = new SessionDriver(store.protocol, IdentityKeyPair.deserialize(store.protocol.getIdentityKeyPairSync()), Date.now, (work) => store.db.transaction(work)());
    const ct = alice.encrypt(bob.address, bytes('over sqlite'));
    expect(text(overSqlite.decrypt(alice.address, ct))).toBe('over sqlite');
    const back = overSqlite.encrypt(alice.address, bytes('reply'));
    expect(text(alice.decrypt(bob.address, back))).toBe('reply');
    // The write-free API agrees with what the store holds.
    const r = encryptMessage(store.protocol.loadSessionSync(alice.address), bytes('x'));
    expect(text(decryptMessage({ record: recordOf(alice, bob), identity: alice.identity, remoteIdentity: null, message: r.ciphertext }).plaintext)).toBe('x');
    store.close();
  });

  it('moves sessions with our own devices to our new account id and ends those with every other account when our key changes', async () => {
    const { store } = await rawKeyStore();
    const own = { accountId: 'acct-old', deviceId: 'dev-own' };
    const switched = { accountId: 'acct-new', deviceId: 'dev-switched' }; // one of our devices that wrote under the new key first
    const peer = { accountId: 'acct-peer', deviceId: 'dev-peer' };
    const lookalike = { accountId: 'acct-newer', deviceId: 'dev-x' }; // shares the new id's first characters, not the account
    store.protocol.storeSessionSync(own, new Uint8Array([1]));
    store.protocol.storeSessionSync(switched, new Uint8Array([2]));
    store.protocol.storeSessionSync(peer, new Uint8Array([3]));
    store.protocol.storeSessionSync(lookalike, new Uint8Array([4]));
    store.accountMoves.ownAccount('acct-old', 'acct-new');
    expect(store.protocol.loadSessionSync({ accountId: 'acct-new', deviceId: 'dev-own' })).toEqual(new Uint8Array([1]));
    expect(store.protocol.loadSessionSync(switched)).toEqual(new Uint8Array([2]));
    for (const gone of [own, peer, lookalike]) expect(store.protocol.loadSessionSync(gone)).toBeNull();
    store.close();
  });
});
