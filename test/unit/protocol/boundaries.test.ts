import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import sodium from 'libsodium-wrappers-sumo';
import { MAX_RATCHET_PLAINTEXT_BYTES } from '../../../src/shared/constants';
import { ProtocolError } from '../../../src/main/protocol/errors';
import { IdentityKeyPair, PreKeyPair, generateIdentityKey, generateLastResortKemPreKey, generateSignedPreKey } from '../../../src/main/protocol/keys';
import { decryptMessage, encryptMessage } from '../../../src/main/protocol/session';
import { parseRecord, recordHealth } from '../../../src/main/protocol/sessionRecord';
import { establishedPair, recordOf } from '../../support/protocolDevice';

beforeAll(async () => {
  await sodium.ready;
});

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    return (e as ProtocolError).code;
  }
  throw new Error('expected a ProtocolError');
}

describe('engine boundaries', () => {
  it('gives a typed error, never a crash or a plaintext, for arbitrary message bytes', async () => {
    const { alice, bob } = await establishedPair();
    const record = recordOf(bob, alice);
    const before = record.slice();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1400 }), fc.constantFrom(0x01, 0x02, 0x07), (body, type) => {
        const msg = Uint8Array.of(type, ...body);
        expect(() => decryptMessage({ record, identity: bob.identity, remoteIdentity: alice.identity.publicKey, message: msg })).toThrow(ProtocolError);
      }),
      { numRuns: 300 },
    );
    expect(record).toEqual(before);
  });

  it('rejects records of an unknown version or truncated, with typed errors', async () => {
    const { alice, bob } = await establishedPair();
    const record = recordOf(bob, alice);
    const v2 = record.slice();
    v2[0] = 2;
    expect(codeOf(() => parseRecord(v2))).toBe('PROTOCOL_VERSION');
    const stateV2 = record.slice();
    stateV2[6] = 9; // the state's own version byte
    expect(codeOf(() => parseRecord(stateV2))).toBe('PROTOCOL_VERSION');
    for (const cut of [1, 10, 100, record.length - 1]) expect(codeOf(() => parseRecord(record.subarray(0, cut)))).toBe('PROTOCOL_MALFORMED');
    expect(codeOf(() => parseRecord(Uint8Array.of(...record, 0)))).toBe('PROTOCOL_MALFORMED');
  });

  it('refuses a plaintext above MAX_RATCHET_PLAINTEXT_BYTES without advancing the chain', async () => {
    const { alice, bob } = await establishedPair();
    const record = recordOf(alice, bob);
    expect(codeOf(() => encryptMessage(record, new Uint8Array(MAX_RATCHET_PLAINTEXT_BYTES + 1)))).toBe('PROTOCOL_TOO_LARGE');
    expect(encryptMessage(record, new Uint8Array(MAX_RATCHET_PLAINTEXT_BYTES)).ciphertext.length).toBeGreaterThan(MAX_RATCHET_PLAINTEXT_BYTES);
    expect(recordHealth(record)?.messagesSent).toBe(1);
  });

  it('round-trips identity and prekey records, and rejects foreign versions', () => {
    const id = generateIdentityKey();
    const back = IdentityKeyPair.deserialize(id.serialize());
    expect(back.publicKey).toEqual(id.publicKey);
    expect(back.xPublic).toEqual(id.xPublic);
    for (const k of [generateSignedPreKey(id, 5, 1234), generateLastResortKemPreKey(id, 6, 5678)]) {
      const r = PreKeyPair.deserialize(k.serialize());
      expect([r.kind, r.id, r.createdAt, r.publicKey, r.privateKey, r.signature]).toEqual([k.kind, k.id, k.createdAt, k.publicKey, k.privateKey, k.signature]);
      const bad = k.serialize();
      bad[0] = 9;
      expect(codeOf(() => PreKeyPair.deserialize(bad))).toBe('PROTOCOL_VERSION');
    }
    const badId = id.serialize();
    badId[0] = 2;
    expect(codeOf(() => IdentityKeyPair.deserialize(badId))).toBe('PROTOCOL_VERSION');
  });

  it('tracks session metrics: created, last DH step, sent, received', async () => {
    let now = Date.UTC(2026, 10, 23);
    const { alice, bob } = await establishedPair(() => now);
    const created = (alice.health(bob.address))!;
    expect(created.createdAt).toBe(now);
    now += 60_000;
    bob.decrypt(alice.address, alice.encrypt(bob.address, Uint8Array.of(1)));
    alice.decrypt(bob.address, bob.encrypt(alice.address, Uint8Array.of(2)));
    const h = (alice.health(bob.address))!;
    expect(h).toMatchObject({ createdAt: created.createdAt, lastDhStepAt: now, messagesSent: 2, messagesReceived: 2, skippedKeysHeld: 0 });
  });
});
