/**
 * The published BIP-39 test vectors (English): entropy → mnemonic, and
 * mnemonic + passphrase "TREZOR" → seed, for the derivation Parley uses.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { entropyToMnemonic, mnemonicToSeedSync } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { checkPhrase } from '../../src/shared/recoveryPhrase';
import { vectorsDir } from '../support/paths';

const vectors = (JSON.parse(readFileSync(path.join(vectorsDir, 'bip39-vectors.json'), 'utf8')) as {
  english: [string, string, string, string][];
}).english;

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('BIP-39 published vectors', () => {
  it('has vectors to check', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(24);
  });

  it.each(vectors.map((v, i) => [i, ...v] as const))('vector %i: entropy maps to the published mnemonic and seed', (_i, entropy, mnemonic, seed) => {
    expect(entropyToMnemonic(Buffer.from(entropy, 'hex'), wordlist)).toBe(mnemonic);
    expect(hex(mnemonicToSeedSync(mnemonic, 'TREZOR'))).toBe(seed);
  });

  it('accepts every published 24-word mnemonic as a recovery phrase', () => {
    const long = vectors.filter(([, m]) => m.split(' ').length === 24);
    expect(long.length).toBeGreaterThan(0);
    for (const [, mnemonic] of long) expect(checkPhrase(mnemonic)).toMatchObject({ ok: true });
  });
});
