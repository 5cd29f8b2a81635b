import { useEffect } from 'react';
import type { DeviceHealthDto } from '../../../shared/contract';
import { useStore } from '../store/root';
import { selectContact } from '../store/contacts/selectors';
import { selectHealthError, selectSessionHealth } from '../store/security/selectors';
import { Dialog } from './Dialog';
import { formatAge, shortId } from './auditLabels';
import { formatDateTime } from './format';

/** The encrypted sessions with each of a contact's devices: age, ratchet progress, held keys, failures and repairs. */
export function SessionHealthDialog({ contactId, onClose }: { contactId: string; onClose: () => void }) {
  const contact = useStore(selectContact(contactId));
  const devices = useStore(selectSessionHealth(contactId));
  const error = useStore(selectHealthError);
  const load = useStore((s) => s.loadSessionHealth);
  useEffect(() => void load(contactId), [load, contactId]);

  return (
    <Dialog title={`Session health with ${contact?.name ?? 'contact'}`} onClose={onClose}>
      <p className="muted">One encrypted session per device. Keys move forward with every reply; failures and repairs come from the audit log.</p>
      {error && (
        <p className="error" role="alert">
          {error.message}
        </p>
      )}
      <ul className="health" aria-label="Devices">
        {devices.map((d) => (
          <DeviceHealthRow key={d.deviceId} device={d} />
        ))}
      </ul>
    </Dialog>
  );
}

function DeviceHealthRow({ device: d }: { device: DeviceHealthDto }) {
  return (
    <li className="health__device" aria-label={`Device ${shortId(d.deviceId)}`}>
      <strong>Device {shortId(d.deviceId)}</strong>
      {d.hasSession ? (
        <dl>
          <dt>Session age</dt>
          <dd>{formatAge(d.sessionAgeMs ?? 0)}{d.establishedAt !== null && <span className="muted"> (since {formatDateTime(d.establishedAt)})</span>}</dd>
          <dt>Since the last key step</dt>
          <dd>{d.messagesSinceDhStep ?? 0} messages</dd>
          <dt>Skipped keys held</dt>
          <dd>{d.skippedKeysHeld}</dd>
          <dt>Messages sent / received</dt>
          <dd>{d.messagesSent} / {d.messagesReceived}{d.awaitingReply && <span className="muted"> · waiting for a first reply</span>}</dd>
          <dt>Decrypt failures</dt>
          <dd>{d.decryptFailures}</dd>
          <dt>Repairs</dt>
          <dd>{d.repairs}</dd>
        </dl>
      ) : (
        <p className="muted">No session yet: one starts with the first message.{d.decryptFailures > 0 && ` ${d.decryptFailures} decrypt failures.`}</p>
      )}
    </li>
  );
}
