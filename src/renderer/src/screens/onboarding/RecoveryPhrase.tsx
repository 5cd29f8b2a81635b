import { useState, type FormEvent } from 'react';
import { CopyButton } from '../../components/CopyButton';
import { useStore } from '../../store/root';
import { selectPendingPhrase, selectSessionBusy, selectSessionError } from '../../store/session/selectors';
import { Field } from '../../components/Field';

/**
 * Shows the 24 words once, then asks for three of them back. After a
 * restart the words are not here: Parley asks in its own dialog (with the
 * passphrase) before it hands them to this screen again.
 */
export function RecoveryPhrase() {
  const pending = useStore(selectPendingPhrase);
  const [stage, setStage] = useState<'show' | 'confirm'>('show');

  if (!pending) return <ShowPendingPhrase />;
  return stage === 'show' ? (
    <main className="onboarding" aria-labelledby="phrase-title">
      <div className="card card--wide">
        <h1 id="phrase-title">Your recovery phrase</h1>
        <p>
          These 24 words are the only way to get your account back if this computer is lost. Write them down on paper, in order, and keep them
          somewhere safe. Anyone with these words can become you, so never share them. Parley will not show them again.
        </p>
        <ol className="phrase" aria-label="Recovery phrase">
          {pending.phrase.map((word, i) => (
            <li key={i}>
              <span className="phrase__n">{i + 1}</span>
              <span className="phrase__w">{word}</span>
            </li>
          ))}
        </ol>
        <div className="row row--end">
          <CopyButton text={pending.phrase.join(' ')} label="Copy recovery phrase" />
          <button type="button" className="button" onClick={() => setStage('confirm')}>
            I wrote it down
          </button>
        </div>
      </div>
    </main>
  ) : (
    <ConfirmPhrase indices={pending.confirmIndices} onBack={() => setStage('show')} />
  );
}

/** The phrase is still unconfirmed but not on screen: ask main to show it (it confirms with the user first). */
function ShowPendingPhrase() {
  const loadPendingPhrase = useStore((s) => s.loadPendingPhrase);
  const error = useStore(selectSessionError);
  const [asking, setAsking] = useState(false);
  const show = async () => {
    setAsking(true);
    await loadPendingPhrase();
    setAsking(false);
  };
  return (
    <main className="onboarding" aria-labelledby="pending-title">
      <div className="card card--wide">
        <h1 id="pending-title">Write down your recovery phrase</h1>
        <p>
          You have not confirmed your recovery phrase yet. Parley will ask you in its own window (with your passphrase, if you set one)
          before it shows the 24 words. Make sure no one else can see your screen.
        </p>
        {error && (
          <p className="error" role="alert">
            {error.message}
          </p>
        )}
        <div className="row row--end">
          <button type="button" className="button" disabled={asking} onClick={() => void show()}>
            Show my recovery phrase
          </button>
        </div>
      </div>
    </main>
  );
}

function ConfirmPhrase({ indices, onBack }: { indices: readonly number[]; onBack: () => void }) {
  const [words, setWords] = useState<string[]>(indices.map(() => ''));
  const confirmPhrase = useStore((s) => s.confirmPhrase);
  const busy = useStore(selectSessionBusy);
  const error = useStore(selectSessionError);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    await confirmPhrase(indices.map((index, i) => ({ index, word: words[i]!.trim().toLowerCase() })));
  };
  return (
    <main className="onboarding" aria-labelledby="confirm-title">
      <form className="card card--form" onSubmit={(e) => void submit(e)}>
        <h1 id="confirm-title">Check your phrase</h1>
        <p className="muted">Type these words from your recovery phrase.</p>
        {indices.map((index, i) => (
          <Field label={`Word ${index + 1}`} key={index}>
            {(id) => (
              <>
                <input id={id}
                value={words[i]}
                autoComplete="off"
                spellCheck={false}
                onChange={(e) => setWords((w) => w.map((x, j) => (j === i ? e.target.value : x)))}
                />
              </>
            )}
          </Field>
        ))}
        {error && (
          <p className="error" role="alert">
            {error.message}
          </p>
        )}
        <div className="row row--end">
          <button type="button" className="button button--secondary" onClick={onBack}>
            Show the words again
          </button>
          <button type="submit" className="button" disabled={busy || words.some((w) => w.trim() === '')}>
            Confirm
          </button>
        </div>
      </form>
    </main>
  );
}
