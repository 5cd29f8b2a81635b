/**
 * Published Wycheproof vectors run through the engine's own primitive
 * wrappers: HKDF-SHA256 (kdf.ts), XChaCha20-Poly1305 on the direct libsodium
 * path (sodiumDirect.ts), X25519 with low-order rejection (dh.ts), Ed25519
 * verification (keys.ts) and ML-KEM-768 from seeds.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sodium from 'libsodium-wrappers-sumo';
import { x25519 } from '../../src/main/protocol/dh';
import { ProtocolError } from '../../src/main/protocol/errors';
import { hkdf } from '../../src/main/protocol/kdf';
import { verifyEd25519 } from '../../src/main/protocol/keys';
import { xchachaDecrypt, xchachaEncrypt } from '../../src/main/protocol/sodiumDirect';
import { vectorsDir } from '../support/paths';

interface Group<T> { readonly tests: T[]; readonly [k: string]: unknown }
const load = <T>(f: string): Group<T>[] => (JSON.parse(readFileSync(path.join(vectorsDir, f), 'utf8')) as { testGroups: Group<T>[] }).testGroups;
const hex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

beforeAll(async () => {
  await sodium.ready;
});

describe('Wycheproof HKDF-SHA256 through kdf.hkdf', () => {
  const tests = load<{ tcId: number; ikm: string; salt: string; info: string; size: number; okm: string; result: string }>('wycheproof-hkdf_sha256_test.json').flatMap((g) => g.tests);
  it('covers valid and invalid cases', () => {
    expect(tests.filter((t) => t.result === 'valid').length).toBeGreaterThan(50);
  });
  it.each(tests.map((t) => [t.tcId, t] as const))('case %i', (_id, t) => {
    if (t.result === 'valid') expect(toHex(hkdf(hex(t.salt), hex(t.ikm), hex(t.info), t.size))).toBe(t.okm);
    else expect(() => hkdf(hex(t.salt), hex(t.ikm), hex(t.info), t.size)).toThrow();
  });
});

describe('Wycheproof XChaCha20-Poly1305 through the direct libsodium path', () => {
  const tests = load<{ tcId: number; key: string; iv: string; aad: string; msg: string; ct: string; tag: string; result: string }>('wycheproof-xchacha20_poly1305_test.json')
    .filter((g) => g.ivSize === 192).flatMap((g) => g.tests);
  it('has the 192-bit nonce cases', () => {
    expect(tests.length).toBeGreaterThan(300);
  });
  it.each(tests.map((t) => [t.tcId, t] as const))('case %i', (_id, t) => {
    const key = hex(t.key), iv = hex(t.iv), aad = hex(t.aad), sealed = hex(t.ct + t.tag);
    const cut = aad.length >> 1; // the AD also goes in as two parts, as the ratchet passes it
    if (t.result === 'valid') {
      expect(toHex(xchachaEncrypt(key, iv, hex(t.msg), aad))).toBe(t.ct + t.tag);
      expect(toHex(xchachaEncrypt(key, iv, hex(t.msg), aad.subarray(0, cut), aad.subarray(cut)))).toBe(t.ct + t.tag);
      expect(toHex(xchachaDecrypt(key, iv, sealed, aad.subarray(0, cut), aad.subarray(cut))!)).toBe(t.msg);
    } else {
      expect(xchachaDecrypt(key, iv, sealed, aad)).toBeNull();
    }
  });
});

describe('Wycheproof X25519 through dh.x25519', () => {
  const tests = load<{ tcId: number; public: string; private: string; shared: string; result: string; flags: string[] }>('wycheproof-x25519_test.json').flatMap((g) => g.tests);
  it.each(tests.map((t) => [t.tcId, t] as const))('case %i', (_id, t) => {
    if (/^0+$/u.test(t.shared)) {
      // Low-order public keys: rejected with a typed error instead of yielding an all-zero secret.
      expect(() => x25519(hex(t.private), hex(t.public))).toThrow(ProtocolError);
    } else {
      expect(toHex(x25519(hex(t.private), hex(t.public)))).toBe(t.shared);
    }
  });
});

describe('Wycheproof Ed25519 through keys.verifyEd25519', () => {
  const groups = load<{ tcId: number; msg: string; sig: string; result: string }>('wycheproof-ed25519_test.json');
  const cases = groups.flatMap((g) => g.tests.map((t) => [t.tcId, (g.publicKey as { pk: string }).pk, t] as const));
  it.each(cases)('case %i', (_id, pk, t) => {
    expect(verifyEd25519(hex(pk), hex(t.msg), hex(t.sig))).toBe(t.result === 'valid');
  });
});

describe('Wycheproof ML-KEM-768 from seeds', () => {
  const tests = load<{ tcId: number; comment?: string; seed: string; ek?: string; c: string; K: string; result: string }>('wycheproof-mlkem_768_test.json').flatMap((g) => g.tests);
  it.each(tests.map((t) => [t.tcId, t] as const))('case %i', (_id, t) => {
    const run = (): { ek: string; k: string } => {
      const kp = sodium.crypto_kem_mlkem768_seed_keypair(hex(t.seed));
      return { ek: toHex(kp.publicKey), k: toHex(sodium.crypto_kem_mlkem768_dec(hex(t.c), kp.privateKey)) };
    };
    if (t.result === 'valid') {
      const out = run();
      if (t.ek) expect(out.ek).toBe(t.ek);
      expect(out.k).toBe(t.K);
    } else {
      // Invalid inputs (wrong seed or ciphertext sizes) must fail loudly, never produce the listed key.
      expect(() => {
        const out = run();
        if (out.k !== t.K || (t.ek !== undefined && out.ek !== t.ek)) throw new Error('rejected');
      }).toThrow();
    }
  });
});
