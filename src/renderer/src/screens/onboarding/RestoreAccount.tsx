import { useEffect, useState, type FormEvent } from 'react';
import { checkPhrase, isRecoveryWord, RECOVERY_PHRASE_WORDS } from '../../../../shared/recoveryPhrase';
import { TransferProgress } from '../../components/TransferProgress';
import { useStore } from '../../store/root';
import { selectSession } from '../../store/session/selectors';
import { selectRestoreBusy, selectRestoreError, selectRestoreProgress } from '../../store/restore/selectors';
import { NewDeviceFields, newDeviceInput, useNewDeviceForm } from './NewDeviceFields';
import { EMPTY_WORDS, PhraseWords, unknownWordMessage } from './PhraseWords';

/** What stops these words from being a phrase, in a sentence, or the phrase itself. */
function phraseOf(words: readonly string[], extra: number): { ok: true; phrase: string } | { ok: false; problem: string } {
  const unknown = words.findIndex((w) => w.trim() !== '' && !isRecoveryWord(w.trim()));
  if (unknown >= 0) return { ok: false, problem: unknownWordMessage(unknown, words[unknown]!.trim()) };
  if (extra > 0) return { ok: false, problem: `A recovery phrase has ${RECOVERY_PHRASE_WORDS} words; you entered ${RECOVERY_PHRASE_WORDS + extra}.` };
  const check = checkPhrase(words.join(' '));
  return check.ok ? { ok: true, phrase: check.phrase } : { ok: false, problem: check.message };
}

/**
 * On a fresh install: brings an account back from its 24 words and its
 * encrypted backup. First the words (each checked as typed, then the
 * checksum), then this desktop's name and protection.
 */
export function RestoreAccount({ onBack }: { onBack: () => void }) {
  const [words, setWords] = useState<readonly string[]>(EMPTY_WORDS);
  const [extra, setExtra] = useState(0);
  const [phrase, setPhrase] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  if (phrase !== null) return <RestoreThisDesktop phrase={phrase} onBack={() => setPhrase(null)} />;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const r = phraseOf(words, extra);
    setProblem(r.ok ? null : r.problem);
    if (r.ok) setPhrase(r.phrase);
  };
  const entered = words.filter((w) => w.trim() !== '').length;
  return (
    <main className="onboarding" aria-labelledby="restore-title">
      <form className="card card--wide" onSubmit={submit} noValidate>
        <h1 id="restore-title">Restore from recovery phrase</h1>
        <p className="muted">
          Type the 24 words you wrote down when you created your account, in order. You can also paste the whole phrase into the first box.
        </p>
        <PhraseWords words={words} onChange={(next) => (setWords(next), setProblem(null))} onOverflow={setExtra} />
        <p className="muted phrase-count">
          {entered} of {RECOVERY_PHRASE_WORDS} words entered
        </p>
        {problem && (
          <p className="error" role="alert">
            {problem}
          </p>
        )}
        <div className="row row--end">
          <button type="button" className="button button--secondary" onClick={onBack}>
            Back
          </button>
          <button type="submit" className="button">
            Continue
          </button>
        </div>
      </form>
    </main>
  );
}

function RestoreThisDesktop({ phrase, onBack }: { phrase: string; onBack: () => void }) {
  const session = useStore(selectSession);
  const busy = useStore(selectRestoreBusy);
  const error = useStore(selectRestoreError);
  const progress = useStore(selectRestoreProgress);
  const restoreAccount = useStore((s) => s.restoreAccount);
  const watchRestoreProgress = useStore((s) => s.watchRestoreProgress);
  const [form, setForm] = useNewDeviceForm();
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => watchRestoreProgress(), [watchRestoreProgress]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const device = newDeviceInput(form);
    setProblem(device.ok ? null : device.problem);
    if (device.ok) await restoreAccount({ phrase, ...device.input });
  };
  return (
    <main className="onboarding" aria-labelledby="restore-title">
      <form className="card card--form" onSubmit={(e) => void submit(e)} noValidate>
        <h1 id="restore-title">Set up this desktop</h1>
        <p className="muted">
          Your phrase checks out. Name this desktop and protect it; Parley then brings back your account and, from its encrypted backup, your contacts
          and messages.
        </p>
        <p className="note" role="note">
          Your account’s other desktops are signed out when you restore. Link them again afterwards from Devices.
        </p>
        <NewDeviceFields keychain={session?.keychain} value={form} onChange={setForm} disabled={busy} />
        {(problem || error) && (
          <p className="error" role="alert">
            {problem ?? error?.message}
          </p>
        )}
        {busy && progress && <TransferProgress progress={progress} />}
        <div className="row row--end">
          <button type="button" className="button button--secondary" onClick={onBack} disabled={busy}>
            Back
          </button>
          <button type="submit" className="button" disabled={busy}>
            {busy ? 'Restoring…' : 'Restore account'}
          </button>
        </div>
      </form>
    </main>
  );
}
