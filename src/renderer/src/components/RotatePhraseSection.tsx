import { useState } from 'react';
import { useStore } from '../store/root';
import { selectSessionBusy, selectSessionError } from '../store/session/selectors';

/** Settings: replace the recovery phrase (and with it the account key), behind a confirmation. */
export function RotatePhraseSection() {
  const rotate = useStore((s) => s.rotatePhrase);
  const busy = useStore(selectSessionBusy);
  const error = useStore(selectSessionError);
  const [asking, setAsking] = useState(false);
  return (
    <section className="field" aria-labelledby="rotate-title">
      <h3 id="rotate-title" className="field__label">
        Recovery phrase
      </h3>
      <p className="muted">
        If someone may have seen your phrase, make a new one. Your contacts will see that your safety number changed and must accept it before
        writing to you again. Your other desktops switch automatically; the relay refuses the old key from then on, and the backup made with
        the old phrase is deleted. Parley asks you to confirm in its own window first.
      </p>
      {asking ? (
        <div className="row" role="group" aria-label="Confirm new recovery phrase">
          <span>Make a new phrase now?</span>
          <button type="button" className="button" disabled={busy} onClick={() => void rotate().then(() => setAsking(false))}>
            Make new phrase
          </button>
          <button type="button" className="button button--secondary" onClick={() => setAsking(false)}>
            Keep the current one
          </button>
        </div>
      ) : (
        <button type="button" className="button button--secondary" onClick={() => setAsking(true)}>
          New recovery phrase…
        </button>
      )}
      {error && error.code !== 'CHAT_PHRASE_MISMATCH' && (
        <p className="error" role="alert">
          {error.message}
        </p>
      )}
    </section>
  );
}
