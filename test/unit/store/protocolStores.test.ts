import { describe, expect, it } from 'vitest';
import { decryptMessage, encryptMessage } from '../../../src/main/protocol/session';
import { generateOneTimeKemPreKeys, generateLastResortKemPreKey } from '../../../src/main/protocol/keys';
import { SessionCipher } from '../../../src/main/protocol/sessionCipher';
import { bytes, establishedPair, makeDevice, recordOf, text } from '../../support/protocolDevice';
import { rawKeyStore, reopen } from '../../support/storeFixture';

const addr = { accountId: 'acct-b', deviceId: 'dev-b' };

describe('protocol stores on SQLite', () => {
  it('hands session records back unchanged across a reopen', async () => {
    const { store, dbPath, key } = await rawKeyStore();
    const rec = new Uint8Array(500).map((_, i) => i & 0xff);
    await store.protocol.storeSession(addr, rec);
    store.close();
    const s = reopen(dbPath, key);
    expect(await s.protocol.loadSession(addr)).toEqual(rec);
    expect(await s.protocol.loadSession({ accountId: 'x', deviceId: 'y' })).toBeNull();
    s.close();
  });

  it('refuses a sealed record moved to another row', async () => {
    const { store } = await rawKeyStore();
    await store.protocol.storeSession(addr, new Uint8Array([1, 2, 3]));
    await store.protocol.storeSession({ accountId: 'acct-c', deviceId: 'dev-c' }, new Uint8Array([4]));
    store.db.prepare(`UPDATE sessions SET record = (SELECT record FROM sessions WHERE address = 'acct-b.dev-b') WHERE address = 'acct-c.dev-c'`).run();
    await expect(store.protocol.loadSession({ accountId: 'acct-c', deviceId: 'dev-c' })).rejects.toMatchObject({ code: 'STORE_SEAL_FAILED' });
    expect(await store.protocol.loadSession(addr)).toEqual(new Uint8Array([1, 2, 3]));
    store.close();
  });

  it('tracks identity trust: new is unverified, a different key is changed, then verified', async () => {
    const { store } = await rawKeyStore();
    expect(await store.protocol.saveIdentity(addr, new Uint8Array([1]))).toBe(false);
    expect(store.protocol.getIdentitySync(addr)?.trust).toBe('unverified');
    expect(await store.protocol.isTrustedIdentity(addr, new Uint8Array([2]), 'sending')).toBe(false);
    expect(await store.protocol.saveIdentity(addr, new Uint8Array([2]))).toBe(true);
    expect(store.protocol.getIdentitySync(addr)?.trust).toBe('changed');
    store.protocol.setTrustSync(addr, 'verified');
    expect(store.protocol.getIdentitySync(addr)?.trust).toBe('verified');
    store.close();
  });

  it('removes a one-time KEM prekey when used and keeps the last-resort one', async () => {
    const pair = await makeDevice('k');
    const { store } = await rawKeyStore();
    const one = generateOneTimeKemPreKeys(pair.identity, 7, 1)[0]!;
    const last = generateLastResortKemPreKey(pair.identity, 8);
    await store.protocol.storeKyberPreKey(7, one.serialize());
    await store.protocol.storeKyberPreKey(8, last.serialize());
    await store.protocol.markKyberPreKeyUsed(7);
    await store.protocol.markKyberPreKeyUsed(8);
    expect(await store.protocol.loadKyberPreKey(7)).toBeNull();
    expect(await store.protocol.loadKyberPreKey(8)).toEqual(last.serialize());
    await store.protocol.storeSignedPreKey(3, new Uint8Array([3]));
    await store.protocol.storeSignedPreKey(1, new Uint8Array([1]));
    expect(await store.protocol.listSignedPreKeyIds()).toEqual([1, 3]);
    store.close();
  });

  it('runs the real engine over the SQLite stores', async () => {
    const { alice, bob } = await establishedPair();
    const { store } = await rawKeyStore();
    store.protocol.setIdentityKeyPairSync(bob.identity.serialize());
    await store.protocol.storeSession(alice.address, recordOf(bob, alice));
    const cipher = new SessionCipher(store.protocol);
    const ct = await alice.cipher.encrypt(bob.address, bytes('over sqlite'));
    expect(text(await cipher.decrypt(alice.address, ct))).toBe('over sqlite');
    const back = await cipher.encrypt(alice.address, bytes('reply'));
    expect(text(await alice.cipher.decrypt(bob.address, back))).toBe('reply');
    // The write-free API agrees with what the store holds.
    const r = encryptMessage(await store.protocol.loadSession(alice.address), bytes('x'));
    expect(text(decryptMessage({ record: recordOf(alice, bob), identity: alice.identity, remoteIdentity: null, message: r.ciphertext }).plaintext)).toBe('x');
    store.close();
  });
});
