/**
 * Checks a typed recovery phrase word by word against the BIP-39 English
 * list and then its checksum, before any key is derived. Pure, so the
 * renderer can check words as they are typed and main can check again.
 */
import { mnemonicToEntropy } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';

/** Parley phrases are 24 words: 256 bits of entropy plus an 8-bit checksum. */
export const RECOVERY_PHRASE_WORDS = 24;

const WORDS = new Set(wordlist);

/** Why a typed recovery phrase is not valid: wrong number of words, a word not on the list, or a bad checksum. */
export type PhraseErrorCode = 'PHRASE_WORD_COUNT' | 'PHRASE_UNKNOWN_WORD' | 'PHRASE_CHECKSUM';

/** The outcome of checking a phrase: the normalised words and phrase, or what is wrong and at which word. */
export type PhraseCheck =
  | { readonly ok: true; readonly words: readonly string[]; readonly phrase: string }
  | { readonly ok: false; readonly code: PhraseErrorCode; readonly message: string; readonly wordIndex?: number };

/** Splits on any whitespace, lower-cases, and applies NFKD as BIP-39 does. */
export function splitPhrase(text: string): string[] {
  return text
    .normalize('NFKD')
    .toLowerCase()
    .split(/\s+/u)
    .filter((w) => w.length > 0);
}

/** True when `word` is on the BIP-39 English list (after the same normalisation as the phrase). */
export const isRecoveryWord = (word: string): boolean => WORDS.has(word.normalize('NFKD').toLowerCase());

/** Words of the list that start with `prefix`, for type-ahead (at most `limit`). */
export function suggestWords(prefix: string, limit = 6): string[] {
  const p = prefix.normalize('NFKD').toLowerCase();
  if (p.length === 0) return [];
  const out: string[] = [];
  for (const w of wordlist) {
    if (w.startsWith(p)) {
      out.push(w);
      if (out.length >= limit) break;
    }
  }
  return out;
}

/** Checks a whole typed phrase: word count, each word on the list, then the BIP-39 checksum. */
export function checkPhrase(text: string): PhraseCheck {
  const words = splitPhrase(text);
  for (let i = 0; i < words.length; i++) {
    if (!WORDS.has(words[i]!)) {
      return {
        ok: false,
        code: 'PHRASE_UNKNOWN_WORD',
        message: `Word ${i + 1} (“${words[i]}”) is not in the recovery word list.`,
        wordIndex: i,
      };
    }
  }
  if (words.length !== RECOVERY_PHRASE_WORDS) {
    return {
      ok: false,
      code: 'PHRASE_WORD_COUNT',
      message: `A recovery phrase has ${RECOVERY_PHRASE_WORDS} words; this one has ${words.length}.`,
    };
  }
  const phrase = words.join(' ');
  try {
    mnemonicToEntropy(phrase, wordlist);
  } catch {
    return {
      ok: false,
      code: 'PHRASE_CHECKSUM',
      message: 'Every word is valid, but the checksum does not match: a word is wrong or two are swapped.',
    };
  }
  return { ok: true, words, phrase };
}
