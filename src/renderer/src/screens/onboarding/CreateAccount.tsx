import { useState, type FormEvent } from 'react';
import { useStore } from '../../store/root';
import { selectOnboarding, selectSession, selectSessionBusy, selectSessionError } from '../../store/session/selectors';
import { Field } from '../../components/Field';
import { NO_PROTECTION, ProtectionFields, protectionInput, protectionProblem, type Protection } from '../../components/ProtectionFields';

const STEPS = [
  ['keys', 'Generating your keys'],
  ['store', 'Encrypting your local data'],
  ['register', 'Registering with the relay'],
  ['prekeys', 'Publishing prekeys'],
  ['done', 'Ready'],
] as const;

/** Creates a new account: name, store protection, then the progress of key generation and registration. */
export function CreateAccount({ onBack }: { onBack: () => void }) {
  const session = useStore(selectSession);
  const busy = useStore(selectSessionBusy);
  const error = useStore(selectSessionError);
  const progress = useStore(selectOnboarding);
  const createAccount = useStore((s) => s.createAccount);
  const [name, setName] = useState('');
  const [protection, setProtection] = useState<Protection>(NO_PROTECTION);
  const [localError, setLocalError] = useState<string | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setLocalError(null);
    if (name.trim().length === 0) return setLocalError('Enter the name your contacts will see.');
    const problem = protectionProblem(protection);
    if (problem) return setLocalError(problem);
    await createAccount({ name: name.trim(), ...protectionInput(protection) });
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
        <ProtectionFields keychain={session?.keychain} value={protection} onChange={setProtection} disabled={busy} />
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
