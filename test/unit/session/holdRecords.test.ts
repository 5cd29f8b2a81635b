/**
 * SessionLayer.holdRecords on a real store file: records held for a pass are
 * stored once when it ends, and a session written by another path while
 * they were held refuses the pass (it rolls back and runs again unheld)
 * instead of being overwritten by a held record.
 */
import { describe, expect, it } from 'vitest';
import { SessionLayer, type SessionLayerDeps } from '../../../src/main/session/sessionLayer';
import { SessionLayerError } from '../../../src/main/session/errors';
import { rawKeyStore } from '../../support/storeFixture';
import type { IdentityKeyPair } from '../../../src/main/protocol/keys';
import { establishedPair, recordOf, bytes, text } from '../../support/protocolDevice';

/** A session layer on a fresh store file for a device with `identity` (what decrypting needs of its keys). */
async function layer(identity: IdentityKeyPair) {
  const { store } = await rawKeyStore();
  const deps: SessionLayerDeps = {
    store, keys: () => ({ identity }) as ReturnType<SessionLayerDeps['keys']>, listed: () => [], link: {} as SessionLayerDeps['link'], audit: () => undefined, now: Date.now,
  };
  return { store, sessions: new SessionLayer(deps) };
}

describe('records held for a pass', () => {
  it('stores each held record once when the pass ends, and a session written meanwhile refuses the pass with a typed error', async () => {
    const { alice, bob } = await establishedPair();
    const { store, sessions } = await layer(bob.identity);
    // The store plays Bob: his record with Alice, decrypted into while held.
    store.protocol.storeSessionSync(alice.address, recordOf(bob, alice));
    const messages = [alice.encrypt(bob.address, bytes('one')), alice.encrypt(bob.address, bytes('two'))];
    const before = store.protocol.sessionWrites;
    const got = store.db.transaction(() => store.protocol.batchSessions(() => sessions.holdRecords(() =>
      messages.map((m) => {
        const out = sessions.decrypt(alice.address, alice.identity.publicKey, m);
        expect(out.record).toBeNull(); // held: stored when the pass ends
        return text(out.plaintext);
      }))))();
    expect(got).toEqual(['one', 'two']);
    expect(store.protocol.sessionWrites).toBe(before + 1); // once for the device, not once per message
    // What was stored goes on: Bob (with the stored record) reads Alice's next message.
    bob.store.storeSessionSync(alice.address, store.protocol.loadSessionSync(alice.address)!);
    expect(text(bob.decrypt(alice.address, alice.encrypt(bob.address, bytes('three'))))).toBe('three');

    const stored = store.protocol.loadSessionSync(alice.address)!;
    const next = alice.encrypt(bob.address, bytes('four'));
    let thrown: unknown = null;
    try {
      store.db.transaction(() => store.protocol.batchSessions(() => sessions.holdRecords(() => {
        sessions.decrypt(alice.address, alice.identity.publicKey, next);
        store.protocol.deleteSessionSync(alice.address); // another path: a device dropped, say
      })))();
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(SessionLayerError);
    expect((thrown as SessionLayerError).code).toBe('SESSION_CHANGED_WHILE_HELD');
    // Rolled back: the record is as it was, and the message decrypts unheld.
    expect(store.protocol.loadSessionSync(alice.address)).toEqual(stored);
    expect(text(sessions.decrypt(alice.address, alice.identity.publicKey, next).plaintext)).toBe('four');
    store.close();
  });
});
