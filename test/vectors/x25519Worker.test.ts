/**
 * The X25519 worker thread (src/main/crypto/x25519Worker.ts) gives the
 * Wycheproof results and refuses all-zero shared secrets as the main-thread
 * path does; its fresh pairs agree with libsodium from the other side; and
 * sealed sender opens and seals with what it computed ahead
 * (src/main/session/sealAhead.ts), refusing a low-order ephemeral key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sodium from 'libsodium-wrappers-sumo';
import { privateKeyObject } from '../../src/main/crypto/nativeX25519';
import { dhMany, freshPairs, stopX25519Worker } from '../../src/main/crypto/x25519Worker';
import { forgetSealAhead, openAhead, openedAhead, sealAhead, takeOpenedAhead, takeSealAhead } from '../../src/main/session/sealAhead';
import { EnvelopeKind, seal, SealedSenderError, unseal } from '../../src/main/session/sealedSender';
import { toBase64Url } from '../../src/shared/wire/encoding';
import { sealDevice, sealSender } from '../support/sealKeys';
import { vectorsDir } from '../support/paths';

interface Case { readonly tcId: number; readonly public: string; readonly private: string; readonly shared: string }
const tests = (JSON.parse(readFileSync(path.join(vectorsDir, 'wycheproof-x25519_test.json'), 'utf8')) as { testGroups: { tests: Case[] }[] }).testGroups.flatMap((g) => g.tests);
const hex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

beforeAll(async () => {
  await sodium.ready;
});
afterAll(async () => {
  forgetSealAhead();
  await stopX25519Worker();
});

describe('X25519 on the worker thread', () => {
  it('gives every Wycheproof result, and null where the shared secret is all zero', async () => {
    const got = await Promise.all(tests.map((t) => dhMany(privateKeyObject(hex(t.private)), [hex(t.public)])));
    tests.forEach((t, i) => {
      const out = got[i]![0]!;
      if (/^0+$/u.test(t.shared)) expect(out, `case ${t.tcId}`).toBeNull();
      else expect(toHex(out), `case ${t.tcId}`).toBe(t.shared);
    });
  });

  it('answers a batch in order, with null for a key of the wrong length', async () => {
    const r = sodium.randombytes_buf(32);
    const pubs = Array.from({ length: 5 }, () => sodium.crypto_scalarmult_base(sodium.randombytes_buf(32)));
    const got = await dhMany(privateKeyObject(r), [...pubs, new Uint8Array(31)]);
    pubs.forEach((p, i) => expect(toHex(got[i]!)).toBe(toHex(sodium.crypto_scalarmult(r, p))));
    expect(got[5]).toBeNull();
  });

  it('makes fresh pairs whose DH libsodium computes from the other side, all different', async () => {
    const r = sodium.randombytes_buf(32);
    const pairs = await freshPairs(sodium.crypto_scalarmult_base(r), 20);
    expect(pairs).toHaveLength(20);
    for (const p of pairs) expect(toHex(p.shared)).toBe(toHex(sodium.crypto_scalarmult(r, p.publicKey)));
    expect(new Set(pairs.map((p) => toHex(p.publicKey))).size).toBe(20);
  });
});

describe('sealed sender with keys made ahead', () => {
  it('opens envelopes with the DH started when they arrived, as without it', async () => {
    const bob = sealDevice();
    const alice = sealSender();
    const ms = [1, 2, 3].map((i) => ({ envelope: seal(bob.publicKey, alice, EnvelopeKind.message, new Uint8Array([i])) }));
    await openAhead(ms, bob.x25519);
    const ahead = openedAhead(ms);
    ms.forEach((m, i) => {
      expect(ahead.get(m)).toBeInstanceOf(Uint8Array);
      expect([...unseal(m.envelope, bob.x25519, ahead.get(m)).message]).toEqual([i + 1]);
    });
  });

  it('opens on the main thread what the worker has not reached, and takes the rest from the worker, each DH done once', async () => {
    const bob = sealDevice();
    const alice = sealSender();
    const ms = Array.from({ length: 400 }, (_, i) => ({ envelope: seal(bob.publicKey, alice, EnvelopeKind.message, new Uint8Array([i % 256, i >> 8])) }));
    const done = openAhead(ms, bob.x25519);
    // The worker goes from the last envelope; the first is claimed here at once (the worker then skips it).
    expect(takeOpenedAhead(ms[0]!)).toBeUndefined();
    await done;
    const rest = openedAhead(ms.slice(1));
    ms.slice(1).forEach((m, i) => {
      expect(rest.get(m)).toBeInstanceOf(Uint8Array);
      expect([...unseal(m.envelope, bob.x25519, rest.get(m)).message]).toEqual([(i + 1) % 256, (i + 1) >> 8]);
    });
    expect([...unseal(ms[0]!.envelope, bob.x25519, undefined).message]).toEqual([0, 0]);
    expect(takeOpenedAhead(ms[1]!)).toBeUndefined(); // taken once
  });

  it('refuses an envelope whose ephemeral key is low-order without changing anything', async () => {
    const bob = sealDevice();
    const good = seal(bob.publicKey, sealSender(), EnvelopeKind.message, new Uint8Array([1]));
    const bad = { envelope: good.slice() };
    bad.envelope.set(new Uint8Array(32), 1); // E = 0: a low-order point
    await openAhead([bad], bob.x25519);
    const ahead = openedAhead([bad]);
    expect(ahead.get(bad)).toBeNull();
    expect(() => unseal(bad.envelope, bob.x25519, ahead.get(bad))).toThrow(SealedSenderError);
    expect(() => unseal(bad.envelope, bob.x25519)).toThrow(SealedSenderError);
  });

  it('seals with pairs made ahead, each used once, and the recipient opens them', async () => {
    const bob = sealDevice();
    const alice = sealSender();
    await sealAhead(alice, new Map([[toBase64Url(bob.publicKey), 3]]));
    const sealed = [1, 2, 3, 4].map((i) => seal(bob.publicKey, alice, EnvelopeKind.message, new Uint8Array([i])));
    expect(new Set(sealed.map((s) => toHex(s.subarray(1, 33)))).size).toBe(4); // three from the pool, the fourth made in seal
    expect(takeSealAhead(bob.publicKey)).toBeUndefined();
    sealed.forEach((s, i) => expect([...unseal(s, bob.x25519).message]).toEqual([i + 1]));
  });

  it('does not ask the worker again for pairs already on their way, so asking for several chunks ahead every chunk makes each pair once', async () => {
    const bob = sealDevice();
    const alice = sealSender();
    const device = toBase64Url(bob.publicKey);
    await Promise.all([sealAhead(alice, new Map([[device, 3]])), sealAhead(alice, new Map([[device, 3]])), sealAhead(alice, new Map([[device, 5]]))]);
    const ready: unknown[] = [];
    for (let p = takeSealAhead(bob.publicKey); p; p = takeSealAhead(bob.publicKey)) ready.push(p);
    expect(ready).toHaveLength(5);
  });

  it('rejects what is pending with a typed error when the worker stops, so the caller can audit it, and starts a new worker after', async () => {
    const pending = expect(freshPairs(new Uint8Array(sodium.crypto_scalarmult_base(sodium.randombytes_buf(32))), 50)).rejects.toMatchObject({ code: 'X25519_WORKER_FAILED' });
    await stopX25519Worker();
    await pending;
    const again = await dhMany(privateKeyObject(hex(tests[0]!.private)), [hex(tests[0]!.public)]);
    expect(toHex(again[0]!)).toBe(tests[0]!.shared);
  });
});
