/**
 * Known-answer vectors for Parley's own KDF chain and message layout
 * (docs/protocol.md §2): KDF_CK, KDF_RK, the PQXDH KDF, the AD encoding and
 * a sealed normal message (its nonce is an input: nonces are random per
 * message, no longer derived from the chain key). The expected bytes live in parley-kdf.json; each
 * KDF is also recomputed here with node:crypto (an independent HMAC/HKDF), so
 * the file cannot drift from the specification unnoticed.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createHmac, hkdfSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sodium from 'libsodium-wrappers-sumo';
import { PQXDH_INFO, ROOT_INFO, kdfCk, kdfRk } from '../../src/main/protocol/kdf';
import { decodeHeader, encodeHeader, parseMessage } from '../../src/main/protocol/message';
import { pqxdhKdf, sessionAd } from '../../src/main/protocol/pqxdh';
import { sealMessage } from '../../src/main/protocol/ratchet';
import { repoRoot } from '../support/paths';

const V = JSON.parse(readFileSync(path.join(repoRoot, 'test/vectors/parley-kdf.json'), 'utf8')) as {
  kdfCk: { chainKey: string; steps: { messageKey: string; nextChainKey: string }[] };
  kdfRk: { rootKey: string; dhOut: string; rootKeyOut: string; chainKey: string; nextHeaderKey: string };
  pqxdh: { dh: string[]; kemSecret: string; ikA: string; ikB: string; ad: string; rootKey: string; initiatorHeaderKey: string; responderHeaderKey: string };
  message: { headerKey: string; chainKey: string; nonce: string; ratchetKey: string; pn: number; n: number; plaintext: string; bytes: string };
};
const hex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const hmac = (k: Uint8Array, m: Uint8Array): string => createHmac('sha256', k).update(m).digest('hex');

beforeAll(async () => {
  await sodium.ready;
});

describe('Parley KDF known answers', () => {
  it('KDF_CK yields MK = HMAC(CK,01) and CK′ = HMAC(CK,02) along a chain, and no nonce', () => {
    let ck = hex(V.kdfCk.chainKey);
    for (const step of V.kdfCk.steps) {
      expect(hmac(ck, Uint8Array.of(1))).toBe(step.messageKey);
      expect(hmac(ck, Uint8Array.of(2))).toBe(step.nextChainKey);
      const got = kdfCk(ck);
      expect(Object.keys(got).sort()).toEqual(['messageKey', 'nextChainKey']);
      expect([toHex(got.messageKey), toHex(got.nextChainKey)]).toEqual([step.messageKey, step.nextChainKey]);
      ck = got.nextChainKey;
    }
  });

  it('KDF_RK is HKDF-SHA256(salt = RK, ikm = DH output, info = "Parley_DoubleRatchet_Root_v1", 96)', () => {
    const v = V.kdfRk;
    const okm = toHex(new Uint8Array(hkdfSync('sha256', hex(v.dhOut), hex(v.rootKey), ROOT_INFO, 96)));
    expect(okm).toBe(v.rootKeyOut + v.chainKey + v.nextHeaderKey);
    const got = kdfRk(hex(v.rootKey), hex(v.dhOut));
    expect(toHex(got.rootKey) + toHex(got.chainKey) + toHex(got.nextHeaderKey)).toBe(okm);
  });

  it('the PQXDH KDF hashes 0xFF×32 ‖ DH1..DH4 ‖ SS with a zero salt, and AD encodes both identities', () => {
    const v = V.pqxdh;
    const ikm = Buffer.concat([Buffer.alloc(32, 0xff), ...v.dh.map((d) => Buffer.from(d, 'hex')), Buffer.from(v.kemSecret, 'hex')]);
    const okm = toHex(new Uint8Array(hkdfSync('sha256', ikm, Buffer.alloc(32), PQXDH_INFO, 96)));
    expect(okm).toBe(v.rootKey + v.initiatorHeaderKey + v.responderHeaderKey);
    const ad = sessionAd(hex(v.ikA), hex(v.ikB));
    expect(toHex(ad)).toBe(v.ad);
    expect(toHex(ad)).toBe(`01${v.ikA}01${v.ikB}`);
    const got = pqxdhKdf(v.dh.map(hex), hex(v.kemSecret), ad);
    expect(toHex(got.rootKey) + toHex(got.initiatorHeaderKey) + toHex(got.responderHeaderKey)).toBe(okm);
  });

  it('seals a normal message to the recorded bytes, and the layout parses back', () => {
    const v = V.message;
    const step = kdfCk(hex(v.chainKey));
    const header = encodeHeader(hex(v.ratchetKey), v.pn, v.n);
    const bytes = sealMessage(hex(v.headerKey), step.messageKey, hex(v.nonce), header, hex(V.pqxdh.ad), hex(v.plaintext));
    expect(toHex(bytes)).toBe(v.bytes);
    const m = parseMessage(bytes);
    expect(m.type).toBe('normal');
    if (m.type !== 'normal') return;
    expect(toHex(m.nonce)).toBe(v.nonce);
    const h = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, m.encHeader, Uint8Array.of(1, ...hex(V.pqxdh.ad)), m.nonce, hex(v.headerKey));
    expect(decodeHeader(h)).toEqual({ dh: hex(v.ratchetKey), pn: v.pn, n: v.n });
  });
});
