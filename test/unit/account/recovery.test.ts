import { describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import { checkPhrase, suggestWords } from '../../../src/shared/recoveryPhrase';
import { deriveRecoveryKeys, generateRecoveryPhrase, phraseToSeed, RecoveryError } from '../../../src/main/account/recovery';

const PHRASE = generateRecoveryPhrase();

describe('recovery phrases', () => {
  it('generates 24 distinct-looking words that pass their own checksum', () => {
    const words = PHRASE.split(' ');
    expect(words).toHaveLength(24);
    expect(checkPhrase(PHRASE)).toMatchObject({ ok: true });
    expect(generateRecoveryPhrase()).not.toBe(PHRASE);
  });

  it('names the first word that is not in the list', () => {
    const words = PHRASE.split(' ');
    words[6] = 'qwertyuiop';
    expect(checkPhrase(words.join(' '))).toMatchObject({ ok: false, code: 'PHRASE_UNKNOWN_WORD', wordIndex: 6 });
  });

  it('reports a wrong word count', () => {
    expect(checkPhrase(PHRASE.split(' ').slice(0, 23).join(' '))).toMatchObject({ ok: false, code: 'PHRASE_WORD_COUNT' });
    expect(checkPhrase(`${PHRASE} abandon`)).toMatchObject({ ok: false, code: 'PHRASE_WORD_COUNT' });
    expect(checkPhrase('')).toMatchObject({ ok: false, code: 'PHRASE_WORD_COUNT' });
  });

  it('reports a checksum failure when two words are swapped', () => {
    const words = PHRASE.split(' ');
    let swapped: string | null = null;
    for (let i = 0; i < 23 && swapped === null; i++) {
      const w = [...words];
      [w[i], w[i + 1]] = [w[i + 1]!, w[i]!];
      if (w[i] !== w[i + 1] && !checkPhrase(w.join(' ')).ok) swapped = w.join(' ');
    }
    expect(swapped).not.toBeNull();
    expect(checkPhrase(swapped!)).toMatchObject({ ok: false, code: 'PHRASE_CHECKSUM' });
  });

  it('tolerates extra whitespace and capitals', () => {
    expect(checkPhrase(`  ${PHRASE.toUpperCase().replaceAll(' ', ' \n\t ')}  `)).toMatchObject({ ok: true });
  });

  it('suggests list words for a typed prefix', () => {
    expect(suggestWords('aba')).toEqual(['abandon']);
    expect(suggestWords('zzz')).toEqual([]);
  });

  it('refuses to derive a seed from a phrase that fails its checks', () => {
    expect(() => phraseToSeed('abandon abandon')).toThrow(RecoveryError);
  });

  it('derives the same account key and backup keys from the same phrase, and different ones from another', async () => {
    const a = await deriveRecoveryKeys(phraseToSeed(PHRASE));
    const b = await deriveRecoveryKeys(phraseToSeed(PHRASE.toUpperCase()));
    const c = await deriveRecoveryKeys(phraseToSeed(generateRecoveryPhrase()));
    expect(a.account.accountId).toBe(b.account.accountId);
    expect(a.backupId).toBe(b.backupId);
    expect(Buffer.from(a.backupKey.bytes).equals(Buffer.from(b.backupKey.bytes))).toBe(true);
    expect(c.account.accountId).not.toBe(a.account.accountId);
    expect(Buffer.from(a.backupKey.bytes).equals(Buffer.from(a.backupAuthKey.bytes))).toBe(false);
    for (const k of [a, b, c]) k.dispose();
  });

  it('never prints secret key material, and zeroes it on dispose', async () => {
    const keys = await deriveRecoveryKeys(phraseToSeed(PHRASE));
    const secretBytes = keys.account.secretKey.bytes;
    const hexSecret = Buffer.from(secretBytes).toString('hex');
    const printed = [JSON.stringify(keys), inspect(keys, { depth: 5 }), String(keys.backupKey)].join('\n');
    expect(printed).not.toContain(hexSecret.slice(0, 16));
    expect(printed).toContain('[redacted]');
    keys.dispose();
    expect(secretBytes.every((x) => x === 0)).toBe(true);
    expect(() => keys.account.secretKey.bytes).toThrow(/disposed/);
  });
});
