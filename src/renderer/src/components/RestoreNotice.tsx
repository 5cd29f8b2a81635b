import { useStore } from '../store/root';
import { selectRestoreResult } from '../store/restore/selectors';

/** After a restore: how much came back from the backup, until dismissed. */
export function RestoreNotice() {
  const result = useStore(selectRestoreResult);
  const dismiss = useStore((s) => s.clearRestoreResult);
  if (!result) return null;
  return (
    <div className="notice sidebar__notice" role="status">
      <p>
        {result.backupFound
          ? `Your account is back, with ${result.restoredMessages.toLocaleString()} ${result.restoredMessages === 1 ? 'message' : 'messages'} from your backup.`
          : 'Your account is back, but no backup was found: contacts and messages from before could not be restored.'}
      </p>
      <button type="button" className="link-button" onClick={dismiss}>
        Dismiss
      </button>
    </div>
  );
}
