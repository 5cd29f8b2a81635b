import { useEffect, useState } from 'react';
import { useStore } from '../store/root';
import { TransferProgress } from './TransferProgress';
import { count } from '../../../shared/count';

/** Settings: export every conversation as plaintext (behind Parley's own confirmation), with a progress bar. */
export function ExportSection() {
  const [format, setFormat] = useState<'html' | 'json'>('html');
  const busy = useStore((s) => s.exportBusy);
  const progress = useStore((s) => s.exportProgress);
  const result = useStore((s) => s.exportResult);
  const error = useStore((s) => s.exportError);
  const run = useStore((s) => s.exportConversations);
  const watch = useStore((s) => s.watchExportProgress);
  useEffect(() => watch(), [watch]);

  return (
    <section className="field" aria-labelledby="export-title">
      <h3 id="export-title" className="field__label">
        Export
      </h3>
      <p className="muted">Write all your conversations and their files to a folder, unencrypted: web pages to read, or JSON for your own archive.</p>
      <div className="row">
        <label>
          Format{' '}
          <select value={format} onChange={(e) => setFormat(e.target.value === 'json' ? 'json' : 'html')} disabled={busy}>
            <option value="html">Web pages (HTML)</option>
            <option value="json">JSON</option>
          </select>
        </label>
        <button type="button" className="button button--secondary" onClick={() => void run(format)} disabled={busy}>
          {busy ? 'Exporting…' : 'Export…'}
        </button>
      </div>
      {busy && progress && <TransferProgress progress={progress} />}
      {result && !busy && (
        <p role="status">
          Exported {count(result.conversations, 'conversation')} ({count(result.messages, 'message')}, {count(result.attachments, 'file')}) to {result.out}
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error.message}
        </p>
      )}
    </section>
  );
}
