import { useEffect } from 'react';
import { useStore } from '../store/root';
import { selectAuditError, selectAuditHasMore, selectAuditLog } from '../store/security/selectors';
import { AUDIT_LABEL, auditDetailText } from './auditLabels';
import { formatDateTime } from './format';

/** Settings → Security: the audit log of key and session events on this desktop (no message content is ever logged). */
export function SecuritySection() {
  const log = useStore(selectAuditLog);
  const hasMore = useStore(selectAuditHasMore);
  const error = useStore(selectAuditError);
  const load = useStore((s) => s.loadAuditLog);
  useEffect(() => void load(), [load]);

  return (
    <section className="field security" aria-labelledby="security-title">
      <h3 id="security-title" className="field__label">
        Security
      </h3>
      <p className="muted">Key and session events on this desktop, newest first. The log keeps no message content and stays in the encrypted database.</p>
      {error && (
        <p className="error" role="alert">
          {error.message}
        </p>
      )}
      {log.length === 0 && !error ? (
        <p className="muted">No events yet.</p>
      ) : (
        <table className="audit" aria-label="Audit log">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Event</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {log.map((e) => (
              <tr key={e.id}>
                <td>{formatDateTime(e.at)}</td>
                <td>{AUDIT_LABEL[e.kind]}</td>
                <td className="muted">{auditDetailText(e.detail)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {hasMore && (
        <div className="row">
          <button type="button" className="button button--secondary" onClick={() => void load(true)}>
            Show older events
          </button>
        </div>
      )}
    </section>
  );
}
