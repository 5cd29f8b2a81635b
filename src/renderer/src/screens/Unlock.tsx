import { useEffect, useState, type FormEvent } from 'react';
import { Logo } from '../components/Logo';
import { useStore } from '../store/root';
import { selectSession, selectSessionBusy, selectSessionError } from '../store/session/selectors';
import { Field } from '../components/Field';

/** The unlock screen: asks for the passphrase and shows the retry wait after failures. */
export function Unlock() {
  const session = useStore(selectSession);
  const busy = useStore(selectSessionBusy);
  const error = useStore(selectSessionError);
  const unlock = useStore((s) => s.unlock);
  const [passphrase, setPassphrase] = useState('');
  const [waitUntil, setWaitUntil] = useState(0);
  const [now, setNow] = useState(() => Date.now());

  useEffect(() => {
    const retry = session?.unlockRetryInMs ?? 0;
    if (retry > 0) setWaitUntil(Date.now() + retry);
  }, [session]);
  useEffect(() => {
    if (waitUntil <= now) return;
    const t = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(t);
  }, [waitUntil, now]);

  const waitS = Math.max(0, Math.ceil((waitUntil - now) / 1000));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await unlock(passphrase)) setPassphrase('');
  };
  return (
    <main className="onboarding" aria-labelledby="unlock-title">
      <form className="card card--form" onSubmit={(e) => void submit(e)}>
        <Logo size={56} />
        <h1 id="unlock-title">Unlock Parley</h1>
        {session?.name && <p className="muted">Welcome back, {session.name}.</p>}
        <Field label="Passphrase">
          {(id) => (
            <input id={id} type="password" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} autoComplete="current-password" autoFocus />
          )}
        </Field>
        {error && (
          <p className="error" role="alert">
            {error.message}
          </p>
        )}
        {waitS > 0 && <p className="muted" role="status">You can try again in {waitS} s.</p>}
        <button type="submit" className="button" disabled={busy || waitS > 0 || passphrase.length === 0}>
          Unlock
        </button>
      </form>
    </main>
  );
}
