import { beforeAll, describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import sodium from 'libsodium-wrappers-sumo';
import { ONE_TIME_PREKEY_BATCH } from '../../../src/shared/constants';
import { PreKeyKind, prekeySignatureMessage } from '../../../src/shared/wire/prekeySignature';
import { toBase64Url } from '../../../src/shared/wire/encoding';
import type { PreKeyBundle } from '../../../src/main/protocol/bundle';
import { ProtocolError } from '../../../src/main/protocol/errors';
import {
  generateIdentityKey, generateOneTimeKemPreKeys, generateOneTimePreKeys, generateSignedPreKey, identityKeyFromSeed, verifyPreKeySignature,
} from '../../../src/main/protocol/keys';
import { bytes, establishedPair, makeDevice, text, thrown } from '../../support/protocolDevice';

beforeAll(async () => {
  await sodium.ready;
});

function codeOf(f: () => unknown): string {
  const e = thrown(f);
  expect(e).toBeInstanceOf(ProtocolError);
  return (e as ProtocolError).code;
}

/** Low-order X25519 points (order 1, 8 and a non-canonical encoding), from the Curve25519 small-subgroup list. */
const LOW_ORDER = [
  new Uint8Array(32),
  Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 1 : 0)),
  sodium_hex('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800'),
  sodium_hex('5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157'),
  sodium_hex('ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'),
];
function sodium_hex(h: string): Uint8Array {
  return Uint8Array.from(h.match(/../gu)!.map((b) => parseInt(b, 16)));
}

describe('device keys', () => {
  it('derives the same identity key from the same 32-byte seed, with a matching X25519 form', () => {
    const seed = new Uint8Array(32).fill(7);
    const a = identityKeyFromSeed(seed);
    const b = identityKeyFromSeed(seed);
    expect(a.publicKey).toEqual(b.publicKey);
    expect(a.xPublic).toEqual(sodium.crypto_sign_ed25519_pk_to_curve25519(a.publicKey));
    expect(() => identityKeyFromSeed(new Uint8Array(31))).toThrow(ProtocolError);
  });

  it('signs prekeys over the shared prekeySignatureMessage bytes, bound to kind and id', () => {
    const id = generateIdentityKey();
    const spk = generateSignedPreKey(id, 9);
    expect(sodium.crypto_sign_verify_detached(spk.signature, prekeySignatureMessage(PreKeyKind.signedEc, 9, spk.publicKey), id.publicKey)).toBe(true);
    expect(verifyPreKeySignature(id.publicKey, PreKeyKind.signedEc, spk.signed)).toBe(true);
    expect(verifyPreKeySignature(id.publicKey, PreKeyKind.oneTimeEc, spk.signed)).toBe(false);
    expect(verifyPreKeySignature(id.publicKey, PreKeyKind.signedEc, { ...spk.signed, id: 10 })).toBe(false);
  });

  it('generates one-time prekeys in batches of ONE_TIME_PREKEY_BATCH with consecutive ids, each validly signed', () => {
    const id = generateIdentityKey();
    const batch = generateOneTimePreKeys(id, 500);
    expect(batch.map((k) => k.id)).toEqual(Array.from({ length: ONE_TIME_PREKEY_BATCH }, (_, i) => 500 + i));
    expect(new Set(batch.map((k) => toBase64Url(k.publicKey))).size).toBe(ONE_TIME_PREKEY_BATCH);
    expect(batch.every((k) => verifyPreKeySignature(id.publicKey, PreKeyKind.oneTimeEc, k.signed))).toBe(true);
    const kem = generateOneTimeKemPreKeys(id, 1, 3);
    expect(kem.every((k) => k.publicKey.length === 1184 && verifyPreKeySignature(id.publicKey, PreKeyKind.oneTimeKem, k.signed))).toBe(true);
  });

  it('never prints private key material in JSON or util.inspect', () => {
    const id = generateIdentityKey();
    const spk = generateSignedPreKey(id, 1);
    const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
    const shown = JSON.stringify({ id, spk }) + inspect(id) + inspect(spk);
    expect(shown).toContain('[redacted]');
    expect(shown).not.toContain(hex(spk.privateKey).slice(0, 16));
    expect(shown).not.toContain(hex(id.xPrivate).slice(0, 16));
  });

  it('zeroes private keys on dispose', () => {
    const id = generateIdentityKey();
    const spk = generateSignedPreKey(id, 1);
    const priv = spk.privateKey;
    spk.dispose();
    expect(priv.every((b) => b === 0)).toBe(true);
    const x = id.xPrivate;
    id.dispose();
    expect(x.every((b) => b === 0)).toBe(true);
  });
});

describe('session setup (PQXDH)', () => {
  it('works without a one-time EC prekey and with a one-time KEM prekey', async () => {
    const alice = await makeDevice('a');
    const bob = await makeDevice('b');
    alice.startSession(bob.address, bob.bundle({ oneTimeEc: false, oneTimeKem: true }));
    expect(text(bob.decrypt(alice.address, alice.encrypt(bob.address, bytes('pq'))))).toBe('pq');
  });

  it('rejects a bundle whose signed prekey signature is bad, storing nothing', async () => {
    const alice = await makeDevice('a');
    const bob = await makeDevice('b');
    const b = bob.bundle();
    const sig = b.signedPreKey.signature.slice();
    sig[0]! ^= 1;
    expect(codeOf(() => alice.startSession(bob.address, { ...b, signedPreKey: { ...b.signedPreKey, signature: sig } }))).toBe('PROTOCOL_BAD_SIGNATURE');
    expect(alice.store.sessions.size).toBe(0);
  });

  it('rejects a bundle whose KEM prekey signature is bad or made for another kind', async () => {
    const alice = await makeDevice('a');
    const bob = await makeDevice('b');
    const b = bob.bundle();
    const sig = b.kemPreKey.signature.slice();
    sig[10]! ^= 0x40;
    expect(codeOf(() => alice.startSession(bob.address, { ...b, kemPreKey: { ...b.kemPreKey, signature: sig } }))).toBe('PROTOCOL_BAD_SIGNATURE');
    const relabelled: PreKeyBundle = { ...b, kemPreKey: { ...b.kemPreKey, kind: 'oneTime' } };
    expect(codeOf(() => alice.startSession(bob.address, relabelled))).toBe('PROTOCOL_BAD_SIGNATURE');
    const opk = b.oneTimePreKey!;
    expect(codeOf(() => alice.startSession(bob.address, { ...b, oneTimePreKey: { ...opk, id: opk.id + 1 } }))).toBe('PROTOCOL_BAD_SIGNATURE');
  });

  it('rejects low-order signed prekeys, even when validly signed', async () => {
    const alice = await makeDevice('a');
    const bob = await makeDevice('b');
    const b = bob.bundle();
    for (const point of LOW_ORDER) {
      const spk = { id: 77, publicKey: point, signature: bob.identity.sign(prekeySignatureMessage(PreKeyKind.signedEc, 77, point)) };
      expect(codeOf(() => alice.startSession(bob.address, { ...b, signedPreKey: spk }))).toBe('PROTOCOL_INVALID_KEY');
    }
  });

  it('rejects an initial message whose base key is of low order, consuming no prekey', async () => {
    const { alice, bob } = await (async () => {
      const a = await makeDevice('a');
      const b = await makeDevice('b');
      a.startSession(b.address, b.bundle());
      return { alice: a, bob: b };
    })();
    const first = alice.encrypt(bob.address, bytes('x'));
    for (const point of LOW_ORDER) {
      const bad = first.slice();
      bad.set(point, 33);
      expect(codeOf(() => bob.decrypt(alice.address, bad))).toBe('PROTOCOL_INVALID_KEY');
    }
    expect(bob.store.prekeys.ec.size).toBe(1);
    expect(bob.store.sessions.size).toBe(0);
  });

  it('refuses a substituted identity key with a typed error, storing nothing', async () => {
    const alice = await makeDevice('a');
    const bob = await makeDevice('b');
    const mallory = await makeDevice('m');
    // A bundle made by another identity than the one the address names: its prekey signatures fail under the named key.
    expect(codeOf(() => alice.startSession(bob.address, mallory.bundle()))).toBe('PROTOCOL_BAD_SIGNATURE');
    expect(alice.store.sessions.size).toBe(0);
    // An initial message claiming to be Alice but carrying Mallory's identity key.
    mallory.startSession(bob.address, bob.bundle());
    const forged = mallory.encrypt(bob.address, bytes('I am alice'));
    expect(codeOf(() => bob.decrypt(alice.address, forged))).toBe('PROTOCOL_UNTRUSTED_IDENTITY');
    expect(bob.store.sessions.size).toBe(0);
    expect(bob.store.identities.size).toBe(0);
    expect(bob.store.prekeys.ec.size).toBe(1);
  });

  it('reports a missing prekey with a typed error', async () => {
    const alice = await makeDevice('a');
    const bob = await makeDevice('b');
    alice.startSession(bob.address, bob.bundle());
    bob.store.prekeys.ec.clear();
    expect(codeOf(() => bob.decrypt(alice.address, alice.encrypt(bob.address, bytes('x'))))).toBe('PROTOCOL_MISSING_PREKEY');
  });

  it('converges after simultaneous initiation from both sides', async () => {
    const alice = await makeDevice('a');
    const bob = await makeDevice('b');
    alice.startSession(bob.address, bob.bundle());
    bob.startSession(alice.address, alice.bundle());
    const fromAlice = alice.encrypt(bob.address, bytes('hi bob'));
    const fromBob = bob.encrypt(alice.address, bytes('hi alice'));
    expect(text(bob.decrypt(alice.address, fromAlice))).toBe('hi bob');
    expect(text(alice.decrypt(bob.address, fromBob))).toBe('hi alice');
    for (let i = 0; i < 3; i++) {
      expect(text(bob.decrypt(alice.address, alice.encrypt(bob.address, bytes(`a${i}`))))).toBe(`a${i}`);
      expect(text(alice.decrypt(bob.address, bob.encrypt(alice.address, bytes(`b${i}`))))).toBe(`b${i}`);
    }
    expect((alice.health(bob.address))?.awaitingReply).toBe(false);
    expect((bob.health(alice.address))?.awaitingReply).toBe(false);
  });

  it('archives a session and starts a fresh one while late messages on the old one still decrypt', async () => {
    const { alice, bob } = await establishedPair();
    const late = alice.encrypt(bob.address, bytes('late on the old session'));
    alice.archive(bob.address);
    expect(() => alice.encrypt(bob.address, bytes('x'))).toThrow(ProtocolError);
    alice.startSession(bob.address, bob.bundle());
    const fresh = alice.encrypt(bob.address, bytes('fresh'));
    expect(text(bob.decrypt(alice.address, fresh))).toBe('fresh');
    expect(text(bob.decrypt(alice.address, late))).toBe('late on the old session');
    expect((bob.health(alice.address))?.archivedStates).toBe(1);
  });
});
