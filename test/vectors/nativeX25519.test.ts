/**
 * Sealed sender's native X25519 (src/main/crypto/nativeX25519.ts) gives the
 * Wycheproof X25519 results and refuses what libsodium refuses (all-zero
 * shared secrets from low-order public keys), and its ephemeral keys agree
 * with libsodium's DH from the other side.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sodium from 'libsodium-wrappers-sumo';
import { ephemeralX25519, privateKeyObject, x25519Native } from '../../src/main/crypto/nativeX25519';
import { vectorsDir } from '../support/paths';

interface Case { readonly tcId: number; readonly public: string; readonly private: string; readonly shared: string; readonly result: string }
const tests = (JSON.parse(readFileSync(path.join(vectorsDir, 'wycheproof-x25519_test.json'), 'utf8')) as { testGroups: { tests: Case[] }[] }).testGroups.flatMap((g) => g.tests);
const hex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

beforeAll(async () => {
  await sodium.ready;
});

describe('Wycheproof X25519 through nativeX25519', () => {
  it('has the low-order and non-canonical cases', () => {
    expect(tests.length).toBeGreaterThan(500);
    expect(tests.filter((t) => /^0+$/u.test(t.shared)).length).toBeGreaterThan(10);
  });
  it.each(tests.map((t) => [t.tcId, t] as const))('case %i', (_id, t) => {
    const out = x25519Native(privateKeyObject(hex(t.private)), hex(t.public));
    if (/^0+$/u.test(t.shared)) expect(out).toBeNull();
    else expect(toHex(out!)).toBe(t.shared);
  });
});

describe('native ephemeral keys', () => {
  it('agree with libsodium computing the same DH from the other side', () => {
    for (let i = 0; i < 20; i++) {
      const r = sodium.randombytes_buf(32);
      const R = sodium.crypto_scalarmult_base(r);
      const e = ephemeralX25519();
      expect(toHex(x25519Native(e.privateKey, R)!)).toBe(toHex(sodium.crypto_scalarmult(r, e.publicKey)));
    }
  });
  it('are all different, and none comes from generateKeyPairSync (its job can deadlock a garbage collection during an export on Node 20)', () => {
    expect(new Set(Array.from({ length: 50 }, () => toHex(ephemeralX25519().publicKey))).size).toBe(50);
    for (const file of ['src/main/crypto/nativeX25519.ts', 'src/main/crypto/x25519Worker.ts']) {
      expect(readFileSync(path.join(import.meta.dirname, '../..', file), 'utf8').replace(/\/\/.*|\/\*[\s\S]*?\*\//gu, '')).not.toMatch(/generateKeyPair/u);
    }
  });
  it('refuses a public key of the wrong length', () => {
    expect(x25519Native(ephemeralX25519().privateKey, new Uint8Array(31))).toBeNull();
  });
});
