import { useCallback, useState, type FormEvent } from 'react';
import { LINK_DEFAULT_HISTORY_DAYS } from '../../../shared/constants';
import { useStore } from '../store/root';
import { selectDevicesError, selectProvisionProgress } from '../store/devices/selectors';
import { Field } from './Field';
import { QrSources } from './QrSources';
import { TransferProgress } from './TransferProgress';

const HISTORY_CHOICES = [
  { value: '30', label: 'Last 30 days', days: 30 },
  { value: String(LINK_DEFAULT_HISTORY_DAYS), label: `Last ${LINK_DEFAULT_HISTORY_DAYS} days`, days: LINK_DEFAULT_HISTORY_DAYS },
  { value: 'all', label: 'All history', days: null },
] as const;

/** What the new desktop's code showed: its name, this account's name and the short code both desktops show. */
interface Preview {
  readonly deviceName: string;
  readonly accountName: string;
  readonly shortCode: string;
}
type Step = { readonly kind: 'enter' } | { readonly kind: 'confirm' | 'sending' | 'done'; readonly preview: Preview };

/** The short code, large, with what the user must do with it. */
function ShortCode({ preview, done }: { preview: Preview; done: boolean }) {
  return (
    <div className="link-check" aria-label="Link check">
      <p className="muted">
        {done ? 'The new desktop now shows' : 'Once you link, the new desktop shows'} your account “{preview.accountName}” and this code. Confirm there only if it is exactly this code.
      </p>
      <p className="link-check__code" aria-label="Short code">
        {preview.shortCode}
      </p>
    </div>
  );
}

/** The existing desktop's half of linking: read the new desktop's code, confirm its name, send the account, show the short code to compare. */
export function LinkNewDevice({ onDone }: { onDone: () => void }) {
  const error = useStore(selectDevicesError);
  const progress = useStore(selectProvisionProgress);
  const inspectLink = useStore((s) => s.inspectLink);
  const acceptLink = useStore((s) => s.acceptLink);
  const clearError = useStore((s) => s.clearDevicesError);
  const [step, setStep] = useState<Step>({ kind: 'enter' });
  const [code, setCode] = useState('');
  const [history, setHistory] = useState<string>(String(LINK_DEFAULT_HISTORY_DAYS));
  const [fileError, setFileError] = useState<string | null>(null);
  const [checking, setChecking] = useState(false);

  const inspect = useCallback(
    async (text: string) => {
      const link = text.trim();
      setCode(link);
      setFileError(null);
      setChecking(true);
      const preview = await inspectLink(link);
      setChecking(false);
      if (preview !== null) setStep({ kind: 'confirm', preview });
    },
    [inspectLink],
  );

  const link = async (preview: Preview) => {
    setStep({ kind: 'sending', preview });
    const days = HISTORY_CHOICES.find((c) => c.value === history)?.days ?? LINK_DEFAULT_HISTORY_DAYS;
    const linked = await acceptLink(code, days);
    setStep({ kind: linked ? 'done' : 'confirm', preview });
  };
  const restart = () => {
    clearError();
    setCode('');
    setStep({ kind: 'enter' });
  };

  const errorLine = (error || fileError) && (
    <p className="error" role="alert">
      {fileError ?? error?.message}
    </p>
  );

  if (step.kind === 'done') {
    return (
      <>
        <p role="status">
          <strong>“{step.preview.deviceName}” is linked.</strong> It now has your account, contacts and the history you chose, and receives new messages too.
        </p>
        <ShortCode preview={step.preview} done />
        <div className="row row--end">
          <button type="button" className="button" onClick={onDone}>
            Done
          </button>
        </div>
      </>
    );
  }
  if (step.kind === 'confirm' || step.kind === 'sending') {
    const sending = step.kind === 'sending';
    const name = step.preview.deviceName;
    return (
      <>
        <h3>Link “{name}”?</h3>
        <p className="muted">
          “{name}” will get your account key, your contacts and the history you choose, and will be able to read and send your messages.
          Only link a desktop you own and can see in front of you. Parley asks you to confirm in its own window before it sends anything.
        </p>
        <Field label="History to send">
          {(id) => (
            <select id={id} value={history} onChange={(e) => setHistory(e.target.value)} disabled={sending}>
              {HISTORY_CHOICES.map((c) => (
                <option key={c.value} value={c.value}>
                  {c.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <ShortCode preview={step.preview} done={false} />
        {sending && progress && <TransferProgress progress={progress} />}
        {errorLine}
        <div className="row row--end">
          <button type="button" className="button button--secondary" onClick={restart} disabled={sending}>
            Back
          </button>
          <button type="button" className="button" onClick={() => void link(step.preview)} disabled={sending}>
            {sending ? 'Linking…' : 'Link device'}
          </button>
        </div>
      </>
    );
  }

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void inspect(code);
  };
  return (
    <form onSubmit={submit}>
      <p className="muted">
        On the new desktop, choose “Link to an existing account”. Then scan the code it shows, open a screenshot of it, or paste its link code below.
      </p>
      <QrSources onCode={(text) => void inspect(text)} onError={setFileError} />
      <Field label="Link code">
        {(id) => <textarea id={id} value={code} onChange={(e) => setCode(e.target.value)} rows={3} spellCheck={false} placeholder="parleylink1…" />}
      </Field>
      {errorLine}
      <div className="row row--end">
        <button type="button" className="button button--secondary" onClick={onDone}>
          Back to devices
        </button>
        <button type="submit" className="button" disabled={checking || code.trim() === ''}>
          Continue
        </button>
      </div>
    </form>
  );
}
