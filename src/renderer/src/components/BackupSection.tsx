import { useEffect } from 'react';
import { useStore } from '../store/root';
import { selectBackup, selectBackupError } from '../store/backup/selectors';
import { formatDateTime } from './format';

const RUNNING_POLL_MS = 1000;

/** Settings: when the encrypted backup was last written, how it went, and a button to write it now. */
export function BackupSection() {
  const backup = useStore(selectBackup);
  const error = useStore(selectBackupError);
  const load = useStore((s) => s.loadBackupStatus);
  const backupNow = useStore((s) => s.backupNow);
  const running = backup?.status === 'running';

  useEffect(() => void load(), [load]);
  // A scheduled backup may be running when the dialog opens: follow it until it ends.
  useEffect(() => {
    if (!running) return;
    const t = setInterval(() => void load(), RUNNING_POLL_MS);
    return () => clearInterval(t);
  }, [running, load]);

  return (
    <section className="field backup" aria-labelledby="backup-title">
      <h3 id="backup-title" className="field__label">
        Backup
      </h3>
      <p className="muted">Your contacts and messages are backed up to the relay, encrypted with a key only your recovery phrase can make.</p>
      {backup && (
        <p role="status">
          {backup.lastBackupAt === null ? 'Not backed up yet' : `Last backup: ${formatDateTime(backup.lastBackupAt)}`}
          {running && ' · Backing up…'}
          {backup.status === 'failed' && ` · The last backup failed${backup.error ? ` (${backup.error})` : ''}.`}
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error.message}
        </p>
      )}
      <div className="row">
        <button type="button" className="button button--secondary" onClick={() => void backupNow()} disabled={running || !backup}>
          {running ? 'Backing up…' : 'Back up now'}
        </button>
      </div>
    </section>
  );
}
