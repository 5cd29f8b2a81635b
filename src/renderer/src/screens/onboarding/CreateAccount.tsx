import { useState, type FormEvent } from 'react';
import { useStore } from '../../store/root';
import { selectOnboarding, selectSession, selectSessionBusy, selectSessionError } from '../../store/session/selectors';
import { Field } from '../../components/Field';

const STEPS = [
  ['keys', 'Generating your keys'],
  ['store', 'Encrypting your local data'],
  ['register', 'Registering with the relay'],
  ['prekeys', 'Publishing prekeys'],
  ['done', 'Ready'],
] as const;

export function CreateAccount({ onBack }: { onBack: () => void }) {
  const session = useStore(selectSession);
  const busy = useStore(selectSessionBusy);
  const error = useStore(selectSessionError);
  const progress = useStore(selectOnboarding);
  const createAccount = useStore((s) => s.createAccount);
  const keychainOk = session?.keychain === 'available';
  const [name, setName] = useState('');
  const [useKeychain, setUseKeychain] = useState(false);
  const [passphrase, setPassphrase] = useState('');
  const [repeat, setRepeat] = useState('');
  const [localError, setLocalError] = useState<string | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setLocalError(null);
    if (name.trim().length === 0) return setLocalError('Enter the name your contacts will see.');
    if (!useKeychain && passphrase.length < 8) return setLocalError('Choose a passphrase of at least 8 characters.');
    if (passphrase.length > 0 && passphrase !== repeat) return setLocalError('The two passphrases do not match.');
    await createAccount({ name: name.trim(), passphrase: passphrase.length > 0 ? passphrase : null, useKeychain });
  };

  const currentStep = progress ? STEPS.findIndex(([k]) => k === progress.step) : -1;

  return (
    <main className="onboarding" aria-labelledby="create-title">
      <form className="card card--form" onSubmit={(e) => void submit(e)} noValidate>
        <h1 id="create-title">Create your account</h1>
        <Field label="Your name">
          {(id) => (
            <>
              <input id={id} value={name} onChange={(e) => setName(e.target.value)} maxLength={64} autoComplete="off" disabled={busy} />
              <small className="muted">Only people you add can see it.</small>
            </>
          )}
        </Field>
        <fieldset className="field" disabled={busy}>
          <legend>Protect the messages stored on this computer</legend>
          <label className="checkbox">
            <input type="checkbox" checked={useKeychain} disabled={!keychainOk} onChange={(e) => setUseKeychain(e.target.checked)} />
            <span>Use this computer’s keychain</span>
          </label>
          {session?.keychain === 'insecure' && (
            <p className="note" role="note">
              This system has no secure keychain (it would store the key in plain text), so Parley needs a passphrase.
            </p>
          )}
          <Field label={`Passphrase${useKeychain ? ' (optional)' : ''}`}>
            {(id) => (
              <input id={id} type="password" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} autoComplete="new-password" />
            )}
          </Field>
          <Field label="Repeat passphrase">
            {(id) => (
              <input id={id} type="password" value={repeat} onChange={(e) => setRepeat(e.target.value)} autoComplete="new-password" />
            )}
          </Field>
        </fieldset>
        {(localError || error) && (
          <p className="error" role="alert">
            {localError ?? error?.message}
          </p>
        )}
        {busy && (
          <ol className="progress" aria-label="Account setup progress">
            {STEPS.map(([key, label], i) => (
              <li key={key} className={i < currentStep ? 'done' : i === currentStep ? 'current' : ''} aria-current={i === currentStep ? 'step' : undefined}>
                {label}
              </li>
            ))}
          </ol>
        )}
        <div className="row row--end">
          <button type="button" className="button button--secondary" onClick={onBack} disabled={busy}>
            Back
          </button>
          <button type="submit" className="button" disabled={busy}>
            {busy ? 'Creating…' : 'Create account'}
          </button>
        </div>
      </form>
    </main>
  );
}
