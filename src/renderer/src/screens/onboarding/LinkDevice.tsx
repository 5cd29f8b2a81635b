import { useEffect, useState, type FormEvent } from 'react';
import { CopyButton } from '../../components/CopyButton';
import { QrImage } from '../../components/QrImage';
import { TransferProgress } from '../../components/TransferProgress';
import { useStore } from '../../store/root';
import { selectSession } from '../../store/session/selectors';
import { selectLinkCheck, selectLinkCode, selectLinkError, selectLinkProgress, selectLinkStarting } from '../../store/link/selectors';
import type { NewDeviceInput } from '../../store/link/state';
import type { UiError } from '../../store/types';
import { NewDeviceFields, newDeviceInput, useNewDeviceForm } from './NewDeviceFields';

const ALTERED = 'Linking refused';
/** A heading per failure; main's message under it says what happened. */
const FAILURE_TITLES: Readonly<Record<string, string>> = {
  CHAT_LINK_EXPIRED: 'The code was not used in time',
  CHAT_LINK_CANCELLED: 'Linking stopped',
  CHAT_LINK_DECLINED: ALTERED,
  HISTORY_TAMPERED: ALTERED,
  PROVISIONING_DECRYPT_FAILED: ALTERED,
  PROVISIONING_MALFORMED: ALTERED,
  CHAT_OFFLINE: 'No connection to the relay',
};

/** Seconds left until `at`, ticking once a second. */
function useSecondsLeft(at: number | null): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (at === null) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [at]);
  return at === null ? 0 : Math.max(0, Math.ceil((at - now) / 1000));
}

/** On a fresh install: this desktop shows a link code that one of the account's desktops scans. */
export function LinkDevice({ onBack }: { onBack: () => void }) {
  const session = useStore(selectSession);
  const code = useStore(selectLinkCode);
  const progress = useStore(selectLinkProgress);
  const error = useStore(selectLinkError);
  const starting = useStore(selectLinkStarting);
  const check = useStore(selectLinkCheck);
  const startLink = useStore((s) => s.startLink);
  const resetLink = useStore((s) => s.resetLink);
  const watchLinkProgress = useStore((s) => s.watchLinkProgress);
  const [form, setForm] = useNewDeviceForm();
  const [started, setStarted] = useState<NewDeviceInput | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    const stop = watchLinkProgress();
    return () => {
      stop();
      resetLink();
    };
  }, [watchLinkProgress, resetLink]);

  const begin = async (input: NewDeviceInput) => {
    setStarted(input);
    await startLink(input);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const r = newDeviceInput(form);
    setProblem(r.ok ? null : r.problem);
    if (r.ok) void begin(r.input);
  };

  const transferring = progress && ['receiving', 'importing', 'done'].includes(progress.stage);
  if (error && started) return <LinkFailed error={error} onRetry={() => void begin(started)} onBack={() => (resetLink(), setStarted(null))} />;
  if (check) return <LinkCheckView check={check} />;
  if (transferring) {
    return (
      <main className="onboarding" aria-labelledby="link-title">
        <div className="card card--form">
          <h1 id="link-title">Linking this desktop</h1>
          <p className="muted">Your other desktop is sending your account and history, end-to-end encrypted. Keep both desktops open.</p>
          <TransferProgress progress={progress} />
        </div>
      </main>
    );
  }
  if (code) return <LinkCodeView code={code} deviceName={started?.deviceName ?? ''} />;
  return (
    <main className="onboarding" aria-labelledby="link-title">
      <form className="card card--form" onSubmit={submit} noValidate>
        <h1 id="link-title">Link to an existing account</h1>
        <p className="muted">
          Use the account you already have on another desktop. This desktop shows a code; your other desktop scans it and sends your account,
          contacts and recent messages, end-to-end encrypted.
        </p>
        <NewDeviceFields keychain={session?.keychain} value={form} onChange={setForm} disabled={starting} />
        {(problem || error) && (
          <p className="error" role="alert">
            {problem ?? error?.message}
          </p>
        )}
        <div className="row row--end">
          <button type="button" className="button button--secondary" onClick={onBack} disabled={starting}>
            Back
          </button>
          <button type="submit" className="button" disabled={starting}>
            {starting ? 'Preparing…' : 'Show link code'}
          </button>
        </div>
      </form>
    </main>
  );
}

function LinkCodeView({ code, deviceName }: { code: { link: string; qrSvg: string; expiresAt: number }; deviceName: string }) {
  const cancelLink = useStore((s) => s.cancelLink);
  const progress = useStore(selectLinkProgress);
  const left = useSecondsLeft(code.expiresAt);
  const [cancelling, setCancelling] = useState(false);
  return (
    <main className="onboarding" aria-labelledby="link-title">
      <div className="card card--wide">
        <h1 id="link-title">Scan this code on your other desktop</h1>
        <div className="link-code">
          <QrImage svg={code.qrSvg} label="Link QR code" size={240} />
          <div className="link-code__text">
            <p>On your other desktop, open Devices → Link a new device and scan this code.</p>
            <p className="muted">
              You can also open a screenshot of it there, or copy the text below and paste it. Check that it asks to link “{deviceName}”.
            </p>
            <code className="invite-code" aria-label="Link code">
              {code.link}
            </code>
            <CopyButton text={code.link} label="Copy link code" />
            <p className="muted link-code__expiry">
              {left > 0 ? `This code expires in ${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}.` : 'This code has expired.'}
            </p>
          </div>
        </div>
        {progress && <TransferProgress progress={progress} />}
        <div className="row row--end">
          <button type="button" className="button button--secondary" disabled={cancelling} onClick={() => (setCancelling(true), void cancelLink())}>
            Cancel
          </button>
        </div>
      </div>
    </main>
  );
}

/** The account that answered the code: its name and the short code, which the user compares with their other desktop's before anything is stored. */
function LinkCheckView({ check }: { check: { accountName: string; shortCode: string } }) {
  const answerLink = useStore((s) => s.answerLink);
  const [answered, setAnswered] = useState(false);
  const answer = (matches: boolean) => (setAnswered(true), void answerLink(matches));
  return (
    <main className="onboarding" aria-labelledby="link-title">
      <div className="card card--form">
        <h1 id="link-title">Is this your account?</h1>
        <p>
          The account “<strong>{check.accountName}</strong>” answered this desktop’s code. Your other desktop shows a code too: link only if it is exactly
          this one.
        </p>
        <div className="link-check" aria-label="Link check">
          <p className="link-check__code" aria-label="Short code">
            {check.shortCode}
          </p>
        </div>
        <p className="muted">If the codes differ, someone else answered this desktop’s code: refuse, and nothing of their account is kept.</p>
        <div className="row row--end">
          <button type="button" className="button button--secondary" disabled={answered} onClick={() => answer(false)}>
            The codes differ
          </button>
          <button type="button" className="button" disabled={answered} onClick={() => answer(true)}>
            They match: link
          </button>
        </div>
      </div>
    </main>
  );
}

function LinkFailed({ error, onRetry, onBack }: { error: UiError; onRetry: () => void; onBack: () => void }) {
  return (
    <main className="onboarding" aria-labelledby="link-title">
      <div className="card card--form">
        <h1 id="link-title">{FAILURE_TITLES[error.code] ?? 'Linking failed'}</h1>
        <p className="error" role="alert">
          {error.message}
        </p>
        <p className="muted">Nothing was stored on this desktop. Try again for a new code.</p>
        <div className="row row--end">
          <button type="button" className="button button--secondary" onClick={onBack}>
            Back
          </button>
          <button type="button" className="button" onClick={onRetry}>
            Try again
          </button>
        </div>
      </div>
    </main>
  );
}
