import { beforeAll, describe, expect, it } from 'vitest';
import sodium from 'libsodium-wrappers-sumo';
import { MAX_SKIP, MAX_SKIPPED_KEYS_TOTAL, SKIPPED_KEY_TTL_MS } from '../../../src/shared/constants';
import { ProtocolError } from '../../../src/main/protocol/errors';
import { kdfInvocations } from '../../../src/main/protocol/kdf';
import { decryptMessage, encryptMessage } from '../../../src/main/protocol/session';
import { recordHealth } from '../../../src/main/protocol/sessionRecord';
import { IdentityKeyPair } from '../../../src/main/protocol/keys';
import { bytes, establishedPair, recordOf, text, type TestDevice } from '../../support/protocolDevice';
import { SessionDriver } from '../../support/sessionDriver';

beforeAll(async () => {
  await sodium.ready;
});

const T0 = Date.UTC(2026, 10, 23);

function errorOf(f: () => unknown): ProtocolError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    return e as ProtocolError;
  }
  throw new Error('expected a ProtocolError');
}

/** A sender/receiver pair on the write-free API, with records held locally. */
async function conversation(clock = () => T0) {
  const { alice, bob } = await establishedPair(clock);
  const rec = new Map<TestDevice, Uint8Array>([[alice, recordOf(alice, bob)], [bob, recordOf(bob, alice)]]);
  const send = (from: TestDevice, msg: string, now = clock()): Uint8Array => {
    const out = encryptMessage(rec.get(from)!, bytes(msg), now);
    rec.set(from, out.record);
    return out.ciphertext;
  };
  const receive = (to: TestDevice, c: Uint8Array, now = clock()): string => {
    const out = decryptMessage({ record: rec.get(to)!, identity: to.identity, remoteIdentity: null, message: c, now });
    rec.set(to, out.record);
    return text(out.plaintext);
  };
  return { alice, bob, rec, send, receive };
}

describe('Double Ratchet with header encryption', () => {
  it('decrypts messages out of order within MAX_SKIP, each exactly once', async () => {
    const { alice, bob, send, receive } = await conversation();
    const msgs = Array.from({ length: 20 }, (_, i) => send(alice, `m${i}`));
    const order = [5, 19, 0, 3, 18, 1, 2, 4, ...Array.from({ length: 13 }, (_, i) => 6 + i).filter((i) => i !== 18 && i !== 19)];
    for (const i of order) expect(receive(bob, msgs[i]!)).toBe(`m${i}`);
    for (const i of [0, 7, 19]) expect(errorOf(() => receive(bob, msgs[i]!)).code).toBe('PROTOCOL_DUPLICATE');
  });

  it('keeps working when messages are lost, across DH ratchet steps', async () => {
    const { alice, bob, send, receive } = await conversation();
    send(alice, 'lost 1');
    expect(receive(bob, send(alice, 'kept 1'))).toBe('kept 1');
    send(bob, 'lost 2');
    send(bob, 'lost 3');
    expect(receive(alice, send(bob, 'kept 2'))).toBe('kept 2');
    send(alice, 'lost 4');
    expect(receive(bob, send(alice, 'kept 3'))).toBe('kept 3');
  });

  it('decrypts a late message from a previous chain after a DH ratchet step', async () => {
    const { alice, bob, send, receive, rec } = await conversation();
    const late = send(alice, 'late');
    expect(receive(bob, send(alice, 'a'))).toBe('a');
    expect(receive(alice, send(bob, 'b'))).toBe('b');
    expect(receive(bob, send(alice, 'c'))).toBe('c');
    expect(recordHealth(rec.get(bob)!)?.skippedKeysHeld).toBe(1);
    expect(receive(bob, late)).toBe('late');
    expect(recordHealth(rec.get(bob)!)?.skippedKeysHeld).toBe(0);
  });

  it('rejects a replayed message without changing state', async () => {
    const { alice, bob, send, receive, rec } = await conversation();
    const c = send(alice, 'once');
    receive(bob, c);
    const before = rec.get(bob)!.slice();
    expect(errorOf(() => receive(bob, c)).code).toBe('PROTOCOL_DUPLICATE');
    expect(rec.get(bob)).toEqual(before);
  });

  it('rejects every single-bit flip of type byte, nonce, header and body, leaving the record byte-identical', async () => {
    const { alice, bob, send, rec } = await conversation();
    const c = send(alice, 'integrity');
    const before = rec.get(bob)!.slice();
    for (let bit = 0; bit < c.length * 8; bit++) {
      const bad = c.slice();
      bad[bit >> 3]! ^= 1 << (bit & 7);
      const e = errorOf(() => decryptMessage({ record: before, identity: bob.identity, remoteIdentity: null, message: bad, now: T0 }));
      expect(bit < 8 ? ['PROTOCOL_VERSION'] : ['PROTOCOL_NO_SESSION', 'PROTOCOL_BAD_MAC']).toContain(e.code);
    }
    expect(rec.get(bob)).toEqual(before);
    expect(text(decryptMessage({ record: before, identity: bob.identity, remoteIdentity: null, message: c, now: T0 }).plaintext)).toBe('integrity');
  });

  it('rejects a tampered first message of a new chain (a DH step) without changing state', async () => {
    const { alice, bob, send, receive, rec } = await conversation();
    receive(bob, send(alice, 'a'));
    const c = send(bob, 'new chain');
    const before = rec.get(alice)!.slice();
    for (const at of [c.length - 1, c.length - 20, 30]) {
      const bad = c.slice();
      bad[at]! ^= 0x10;
      expect(['PROTOCOL_BAD_MAC', 'PROTOCOL_NO_SESSION']).toContain(errorOf(() => receive(alice, bad)).code);
      expect(rec.get(alice)).toEqual(before);
    }
    expect(receive(alice, c)).toBe('new chain');
  });

  it('rejects a message under any single-bit change of the session AD', async () => {
    const { alice, bob, send, rec } = await conversation();
    const c = send(alice, 'bound to identities');
    const good = rec.get(bob)!;
    // record: version, hasCurrent, u32 length, then the state: version, flags, AD (66 bytes).
    for (let bit = 0; bit < 66 * 8; bit++) {
      const bad = good.slice();
      bad[8 + (bit >> 3)]! ^= 1 << (bit & 7);
      expect(errorOf(() => decryptMessage({ record: bad, identity: bob.identity, remoteIdentity: null, message: c, now: T0 })).code).toBe('PROTOCOL_NO_SESSION');
    }
  });

  it('rejects a message reflected back to its sender, without changing state', async () => {
    const { alice, send, receive, rec } = await conversation();
    const c = send(alice, 'to bob');
    const before = rec.get(alice)!.slice();
    expect(errorOf(() => receive(alice, c)).code).toBe('PROTOCOL_NO_SESSION');
    expect(rec.get(alice)).toEqual(before);
  });

  it('rejects a MAX_SKIP overflow before any KDF work, in the current and in a new chain', async () => {
    const { alice, bob, send, receive, rec } = await conversation();
    for (let i = 0; i < MAX_SKIP + 1; i++) send(alice, 'x');
    const far = send(alice, 'too far');
    const before = rec.get(bob)!.slice();
    const kdfBefore = kdfInvocations();
    expect(errorOf(() => receive(bob, far)).code).toBe('PROTOCOL_TOO_MANY_SKIPPED');
    expect(kdfInvocations()).toBe(kdfBefore);
    expect(rec.get(bob)).toEqual(before);
    // New chain: Bob replies, Alice's next chain starts with n beyond MAX_SKIP.
    expect(receive(alice, send(bob, 'reply'))).toBe('reply');
    for (let i = 0; i < MAX_SKIP + 1; i++) send(alice, 'y');
    const farNew = send(alice, 'too far in a new chain');
    const k2 = kdfInvocations();
    expect(errorOf(() => receive(bob, farNew)).code).toBe('PROTOCOL_TOO_MANY_SKIPPED');
    expect(kdfInvocations()).toBe(k2);
  });

  it('accepts a skip of exactly MAX_SKIP and erases each skipped key once used', async () => {
    const { alice, bob, send, receive, rec } = await conversation();
    const first = send(alice, 'first');
    for (let i = 0; i < MAX_SKIP - 1; i++) send(alice, 'x');
    expect(receive(bob, send(alice, 'edge'))).toBe('edge');
    expect(recordHealth(rec.get(bob)!)?.skippedKeysHeld).toBe(MAX_SKIP);
    expect(receive(bob, first)).toBe('first');
    expect(recordHealth(rec.get(bob)!)?.skippedKeysHeld).toBe(MAX_SKIP - 1);
    expect(errorOf(() => receive(bob, first)).code).toBe('PROTOCOL_DUPLICATE');
  });

  it('expires skipped keys after SKIPPED_KEY_TTL_MS', async () => {
    const { alice, bob, send, receive, rec } = await conversation();
    const late = send(alice, 'late');
    receive(bob, send(alice, 'now'));
    receive(bob, send(alice, 'much later'), T0 + SKIPPED_KEY_TTL_MS + 2000);
    expect(recordHealth(rec.get(bob)!)?.skippedKeysHeld).toBe(0);
    expect(errorOf(() => receive(bob, late, T0 + SKIPPED_KEY_TTL_MS + 3000)).code).toBe('PROTOCOL_DUPLICATE');
  });

  it('caps the total of stored skipped keys at MAX_SKIPPED_KEYS_TOTAL, dropping the oldest', async () => {
    const { alice, bob, send, receive, rec } = await conversation();
    const oldest = send(alice, 'oldest');
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < MAX_SKIP - 1; i++) send(alice, 'x');
      receive(bob, send(alice, 'r'));
      receive(alice, send(bob, 'ack'));
    }
    expect(recordHealth(rec.get(bob)!)?.skippedKeysHeld).toBe(MAX_SKIPPED_KEYS_TOTAL);
    expect(errorOf(() => receive(bob, oldest)).code).toBe('PROTOCOL_DUPLICATE');
  });

  it('restores a serialized session mid-conversation and carries on', async () => {
    const { alice, bob } = await establishedPair();
    const pending = alice.encrypt(bob.address, bytes('in flight'));
    // A fresh driver over copies of the stored bytes, identity read back from the store: no hidden in-memory state.
    for (const [k, v] of bob.store.sessions) bob.store.sessions.set(k, v.slice());
    const restored = new SessionDriver(bob.store, IdentityKeyPair.deserialize(bob.store.getIdentityKeyPairSync()));
    expect(text(restored.decrypt(alice.address, pending))).toBe('in flight');
    expect(text(alice.decrypt(bob.address, restored.encrypt(alice.address, bytes('back'))))).toBe('back');
    const h = restored.health(alice.address);
    expect(h).toMatchObject({ messagesSent: 2, messagesReceived: 2, skippedKeysHeld: 0, awaitingReply: false });
  });
});
