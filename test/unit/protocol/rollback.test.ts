/**
 * Issue 13 §6: a session record restored from a copy (a copied profile, a VM
 * snapshot) must never make the engine reuse a (key, nonce) pair, and the
 * sending header key a DH ratchet step replaces is erased.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import sodium from 'libsodium-wrappers-sumo';
import { ProtocolError } from '../../../src/main/protocol/errors';
import { parseMessage, type NormalMessage } from '../../../src/main/protocol/message';
import { planDecrypt, ratchetEncrypt } from '../../../src/main/protocol/ratchet';
import { decryptMessage, encryptMessage } from '../../../src/main/protocol/session';
import { parseRecord } from '../../../src/main/protocol/sessionRecord';
import { bytes, establishedPair, recordOf, text, type TestDevice } from '../../support/protocolDevice';

beforeAll(async () => {
  await sodium.ready;
});

const T0 = Date.UTC(2026, 10, 23);
const clock = () => T0;

const normal = (c: Uint8Array): NormalMessage => {
  const m = parseMessage(c);
  if (m.type !== 'normal') throw new Error('expected a normal message');
  return m;
};
const xor = (a: Uint8Array, b: Uint8Array): Uint8Array => a.map((x, i) => x ^ b[i]!);
const isZero = (b: Uint8Array): boolean => b.every((x) => x === 0);
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Decrypts on `to` from the given record, without keeping the result (the record stays a snapshot). */
function open(to: TestDevice, record: Uint8Array, message: Uint8Array): { text: string; record: Uint8Array } {
  const out = decryptMessage({ record, identity: to.identity, remoteIdentity: null, message, now: T0 });
  return { text: text(out.plaintext), record: out.record };
}

describe('nonces after a state rollback', () => {
  it('encrypts under a fresh nonce after the sender restores a snapshot, and both messages decrypt on the other side', async () => {
    const { alice, bob } = await establishedPair(clock);
    const key = `${bob.address.accountId}.${bob.address.deviceId}`;
    // One send first, so the snapshot holds a live sending chain (not a pending DH step, which would draw a fresh key pair).
    const warmUp = alice.encrypt(bob.address, bytes('warm-up'));
    bob.decrypt(alice.address, warmUp);
    const snapshot = recordOf(alice, bob).slice();
    const bobSnapshot = recordOf(bob, alice).slice();
    const p1 = bytes('pay Carol 100 on Friday');
    const p2 = bytes('pay Mallory 9999 today!');
    expect(p1.length).toBe(p2.length);

    const first = normal(alice.encrypt(bob.address, p1));
    alice.store.sessions.set(key, snapshot.slice()); // the rollback
    const second = normal(alice.encrypt(bob.address, p2));

    expect(hex(first.nonce)).not.toBe(hex(second.nonce));
    // Same header key, same header: only a fresh nonce makes the sealed headers differ.
    expect(hex(first.encHeader)).not.toBe(hex(second.encHeader));
    // Same message key: a repeated keystream would make the ciphertext XOR equal the plaintext XOR.
    expect(hex(xor(first.body.subarray(0, p1.length), second.body.subarray(0, p2.length)))).not.toBe(hex(xor(p1, p2)));

    const a = open(bob, bobSnapshot, first.bytes);
    expect(a.text).toBe('pay Carol 100 on Friday');
    expect(open(bob, bobSnapshot, second.bytes).text).toBe('pay Mallory 9999 today!');
    // Both took the same ratchet position: a receiver that kept the first refuses the second as a duplicate.
    const refused = (() => {
      try {
        open(bob, a.record, second.bytes);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(refused).toBeInstanceOf(ProtocolError);
    expect((refused as ProtocolError).code).toBe('PROTOCOL_DUPLICATE');
  });
});

describe('sending header key erasure', () => {
  it('zeroes the old sending header key when a DH ratchet step replaces it, and the session keeps working', async () => {
    const { alice, bob } = await establishedPair(clock);
    // Alice's state parsed from her record: its key buffers are ones this test holds.
    const state = parseRecord(recordOf(alice, bob)).current!;
    const ping = ratchetEncrypt(state, bytes('ping'));
    const oldHks = state.hks!;
    expect(isZero(oldHks)).toBe(false);

    const atBob = open(bob, recordOf(bob, alice), ping);
    expect(atBob.text).toBe('ping');
    const pong = encryptMessage(atBob.record, bytes('pong'), T0);
    const plan = planDecrypt(state, normal(pong.ciphertext), T0);
    expect(text(plan.plaintext)).toBe('pong');
    expect(isZero(oldHks)).toBe(false); // planning alone changes nothing
    plan.commit();

    expect(isZero(oldHks)).toBe(true);
    expect(state.hks).not.toBe(oldHks);
    expect(isZero(state.hks!)).toBe(false);
    expect(open(bob, pong.record, ratchetEncrypt(state, bytes('after the step'))).text).toBe('after the step');
  });
});
