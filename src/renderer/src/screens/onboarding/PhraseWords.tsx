import { useId, useRef, useState } from 'react';
import { isRecoveryWord, RECOVERY_PHRASE_WORDS, splitPhrase, suggestWords } from '../../../../shared/recoveryPhrase';
import { Field } from '../../components/Field';

/** A blank phrase: one empty field per recovery word. */
export const EMPTY_WORDS: readonly string[] = Array.from({ length: RECOVERY_PHRASE_WORDS }, () => '');

/** The sentence shown for a word that is not on the recovery word list. */
export const unknownWordMessage = (index: number, word: string) => `Word ${index + 1} (“${word}”) is not in the recovery word list.`;

/** A word is flagged once no list word can start with it (while typed) or it is not a list word (once left). */
export function isFlagged(word: string, typing: boolean): boolean {
  const w = word.trim();
  if (w === '') return false;
  return typing ? suggestWords(w, 1).length === 0 : !isRecoveryWord(w);
}

/**
 * Twenty-four labelled word boxes. Typing a space moves on to the next box;
 * pasting several words (the whole phrase, say) fills the boxes from there on.
 */
export function PhraseWords({
  words,
  onChange,
  onOverflow,
}: {
  words: readonly string[];
  onChange: (next: readonly string[]) => void;
  /** How many pasted words did not fit in the boxes (0 when all did). */
  onOverflow: (extra: number) => void;
}) {
  const listId = useId();
  const [focused, setFocused] = useState<number | null>(null);
  const refs = useRef<(HTMLInputElement | null)[]>([]);

  const edit = (i: number, value: string) => {
    if (!/\s/u.test(value)) {
      onChange(words.map((w, j) => (j === i ? value : w)));
      onOverflow(0);
      return;
    }
    const parts = splitPhrase(value);
    const next = [...words];
    parts.forEach((p, k) => {
      if (i + k < next.length) next[i + k] = p;
    });
    if (parts.length === 0) next[i] = '';
    onChange(next);
    onOverflow(Math.max(0, i + parts.length - words.length));
    refs.current[Math.min(i + Math.max(parts.length, 1), words.length - 1)]?.focus();
  };

  const suggestions = focused !== null && words[focused]!.trim() !== '' && !isRecoveryWord(words[focused]!.trim()) ? suggestWords(words[focused]!.trim()) : [];
  const flagged = words.map((w, i) => isFlagged(w, i === focused));
  return (
    <>
      <div className="phrase-grid" role="group" aria-label="Recovery phrase words">
        {words.map((word, i) => (
          <Field label={`Word ${i + 1}`} key={i}>
            {(id) => (
              <input
                id={id}
                ref={(el) => {
                  refs.current[i] = el;
                }}
                value={word}
                list={i === focused ? listId : undefined}
                autoComplete="off"
                autoCapitalize="off"
                spellCheck={false}
                aria-invalid={flagged[i] ? true : undefined}
                aria-describedby={flagged[i] ? `${listId}-w${i}` : undefined}
                onFocus={() => setFocused(i)}
                onBlur={() => setFocused((f) => (f === i ? null : f))}
                onChange={(e) => edit(i, e.target.value)}
              />
            )}
          </Field>
        ))}
      </div>
      <datalist id={listId}>
        {suggestions.map((s) => (
          <option key={s} value={s} />
        ))}
      </datalist>
      <ul className="phrase-problems" aria-live="polite">
        {words.map((w, i) =>
          flagged[i] ? (
            <li key={i} id={`${listId}-w${i}`} className="error">
              {unknownWordMessage(i, w.trim())}
            </li>
          ) : null,
        )}
      </ul>
    </>
  );
}
