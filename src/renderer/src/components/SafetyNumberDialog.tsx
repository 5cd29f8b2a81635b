import { useEffect, useState } from 'react';
import { parley } from '../bridge';
import { useStore } from '../store/root';
import { selectContact } from '../store/contacts/selectors';
import { Dialog } from './Dialog';
import { QrImage } from './QrImage';

/** Dialog that shows a contact's safety number as digits and QR code, to compare in person and mark the contact verified. */
export function SafetyNumberDialog({ contactId, onClose }: { contactId: string; onClose: () => void }) {
  const contact = useStore(selectContact(contactId));
  const setVerified = useStore((s) => s.setVerified);
  const [data, setData] = useState<{ groups: string[]; qrSvg: string; verified: boolean } | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    void parley.getSafetyNumber({ contactId }).then((r) => (r.ok ? setData(r.value) : setError(r.message)));
  }, [contactId, contact?.trust]);

  return (
    <Dialog title={`Safety number with ${contact?.name ?? 'contact'}`} onClose={onClose}>
      <p className="muted">
        Compare these numbers with {contact?.name ?? 'your contact'} in person or on a call, or scan each other’s code. If they match, your
        conversation is end-to-end encrypted with no one in between.
      </p>
      {error && <p className="error" role="alert">{error}</p>}
      {data && (
        <>
          <div className="safety" role="group" aria-label="Safety number">
            {data.groups.map((g, i) => (
              <span key={i}>{g}</span>
            ))}
          </div>
          <QrImage svg={data.qrSvg} label="Safety number QR code" size={180} />
          <div className="row row--end">
            {data.verified ? (
              <button type="button" className="button button--secondary" onClick={() => void setVerified(contactId, false)}>
                Clear verification
              </button>
            ) : (
              <button type="button" className="button" onClick={() => void setVerified(contactId, true)}>
                Mark as verified
              </button>
            )}
          </div>
        </>
      )}
    </Dialog>
  );
}
