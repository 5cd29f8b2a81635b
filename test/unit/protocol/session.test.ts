import { beforeAll, describe, expect, it } from 'vitest';
import sodium from 'libsodium-wrappers-sumo';
import { makeDevice, bytes, establishedPair, recordOf, text, type TestDevice, thrown } from '../../support/protocolDevice';
import { HeldRecord } from '../../../src/main/protocol/session';
import { ProtocolError } from '../../../src/main/protocol/errors';
import { NORMAL_OVERHEAD, PREAMBLE_BYTES } from '../../../src/main/protocol/message';

beforeAll(async () => {
  await sodium.ready;
});

async function pair(opts?: { oneTimeKem?: boolean }): Promise<{ alice: TestDevice; bob: TestDevice }> {
  const alice = await makeDevice('alice');
  const bob = await makeDevice('bob');
  alice.startSession(bob.address, bob.bundle(opts));
  return { alice, bob };
}

function rejects(f: () => unknown, code: string): void {
  const e = thrown(f);
  expect(e).toBeInstanceOf(ProtocolError);
  expect((e as ProtocolError).code).toBe(code);
}

describe('session setup and messaging', () => {
  it('delivers messages in order both ways after a PQXDH setup', async () => {
    const { alice, bob } = await pair();
    for (let i = 0; i < 3; i++) {
      const c = alice.encrypt(bob.address, bytes(`a${i}`));
      expect(text(bob.decrypt(alice.address, c))).toBe(`a${i}`);
    }
    for (let i = 0; i < 3; i++) {
      const c = bob.encrypt(alice.address, bytes(`b${i}`));
      expect(text(alice.decrypt(bob.address, c))).toBe(`b${i}`);
    }
    const c = alice.encrypt(bob.address, bytes('after reply'));
    expect(c.length).toBe(NORMAL_OVERHEAD + 'after reply'.length);
    expect(text(bob.decrypt(alice.address, c))).toBe('after reply');
  });

  it('prefixes the initiator’s messages with the PQXDH preamble until a reply arrives', async () => {
    const { alice, bob } = await pair();
    const first = alice.encrypt(bob.address, bytes('x'));
    expect(first[0]).toBe(0x02);
    expect(first.length).toBe(PREAMBLE_BYTES + NORMAL_OVERHEAD + 1);
    expect((alice.health(bob.address))?.awaitingReply).toBe(true);
    bob.decrypt(alice.address, first);
    alice.decrypt(bob.address, bob.encrypt(alice.address, bytes('y')));
    expect((alice.encrypt(bob.address, bytes('z')))[0]).toBe(0x01);
  });

  it('deletes the one-time prekeys only after the first message decrypts', async () => {
    const { alice, bob } = await pair({ oneTimeKem: true });
    expect(bob.store.prekeys.ec.size).toBe(1);
    expect(bob.store.prekeys.kem.size).toBe(2);
    const first = alice.encrypt(bob.address, bytes('hello'));
    const broken = first.slice();
    broken[broken.length - 1]! ^= 1;
    rejects(() => bob.decrypt(alice.address, broken), 'PROTOCOL_BAD_MAC');
    expect(bob.store.prekeys.ec.size).toBe(1);
    expect(bob.store.prekeys.kem.size).toBe(2);
    bob.decrypt(alice.address, first);
    expect(bob.store.prekeys.ec.size).toBe(0);
    expect(bob.store.prekeys.kem.size).toBe(1); // the last-resort key stays
  });

  it('does not process a repeated initial message twice', async () => {
    const { alice, bob } = await pair();
    const first = alice.encrypt(bob.address, bytes('once'));
    bob.decrypt(alice.address, first);
    const before = bob.store.loadSessionSync(alice.address)?.slice();
    rejects(() => bob.decrypt(alice.address, first), 'PROTOCOL_DUPLICATE');
    expect(bob.store.loadSessionSync(alice.address)).toEqual(before);
  });
});

describe('a record held for several encryptions', () => {
  for (const established of [false, true]) {
    it(`advances as encryptMessage calls do: its messages read in order, and the stored record goes on both ways, ${established ? 'after a reply' : 'with the preamble before any reply'}`, async () => {
      const { alice, bob } = established ? await establishedPair() : await pair();
      const held = new HeldRecord(recordOf(alice, bob));
      const many = Array.from({ length: 5 }, (_, i) => held.encrypt(bytes(`m${i}`)));
      // Each as encryptMessage would have made it: the preamble until a reply, then a normal message.
      for (const c of many) expect(c.length).toBe((established ? 0 : PREAMBLE_BYTES) + NORMAL_OVERHEAD + 2);
      alice.store.storeSessionSync(bob.address, held.record());
      held.dispose();
      for (let i = 0; i < 5; i++) expect(text(bob.decrypt(alice.address, many[i]!))).toBe(`m${i}`);
      expect(text(bob.decrypt(alice.address, alice.encrypt(bob.address, bytes('next'))))).toBe('next');
      expect(text(alice.decrypt(bob.address, bob.encrypt(alice.address, bytes('reply'))))).toBe('reply');
      expect(text(bob.decrypt(alice.address, alice.encrypt(bob.address, bytes('after'))))).toBe('after');
    });
  }

  it('refuses to encrypt without a current session, as encryptMessage does, and zeroes its keys when disposed', async () => {
    const { alice, bob } = await establishedPair();
    rejects(() => new HeldRecord(null).encrypt(bytes('x')), 'PROTOCOL_NO_SESSION');
    const held = new HeldRecord(recordOf(alice, bob));
    held.dispose();
    // Disposed: what it would serialize now carries zeroed keys, not the session's.
    expect(held.record()).not.toEqual(recordOf(alice, bob));
  });
});

describe('a record held for several decryptions', () => {
  it('decrypts a sender’s initial messages and later ones in order, unchanged by a tampered one among them, and stores as decryptMessage would go on', async () => {
    const { alice, bob } = await pair();
    const sent = Array.from({ length: 6 }, (_, i) => alice.encrypt(bob.address, bytes(`m${i}`)));
    const held = new HeldRecord(null);
    const input = (message: Uint8Array) => ({ identity: bob.identity, remoteIdentity: null, message, preKeys: () => ({
      signedPreKey: bob.store.loadSignedPreKeySync(bob.spk.id), oneTimePreKey: bob.store.loadPreKeySync(1), kemPreKey: bob.store.loadKyberPreKeySync(bob.lastResort.id),
    }) });
    const first = held.decrypt(input(sent[0]!));
    expect(text(first.plaintext)).toBe('m0');
    expect(first.newSessionIdentity).not.toBeNull();
    const before = held.record(1);
    const tampered = sent[1]!.slice();
    tampered[tampered.length - 1]! ^= 1;
    rejects(() => held.decrypt(input(tampered)), 'PROTOCOL_BAD_MAC');
    expect(held.record(1)).toEqual(before); // a failed decrypt changes nothing
    for (let i = 1; i < 5; i++) expect(text(held.decrypt(input(sent[i]!)).plaintext)).toBe(`m${i}`);
    rejects(() => held.decrypt(input(sent[2]!)), 'PROTOCOL_DUPLICATE');
    bob.store.storeSessionSync(alice.address, held.record());
    held.dispose();
    // The stored record goes on as any: the last message, a reply, and one more.
    expect(text(bob.decrypt(alice.address, sent[5]!))).toBe('m5');
    expect(text(alice.decrypt(bob.address, bob.encrypt(alice.address, bytes('reply'))))).toBe('reply');
    expect(text(bob.decrypt(alice.address, alice.encrypt(bob.address, bytes('after'))))).toBe('after');
  });
});

