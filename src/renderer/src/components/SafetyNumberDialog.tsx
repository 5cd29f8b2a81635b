import { useEffect, useState } from 'react';
import { parley } from '../bridge';
import { useStore } from '../store/root';
import { selectContact } from '../store/contacts/selectors';
import { selectGroup } from '../store/groups/selectors';
import { Dialog } from './Dialog';
import { QrImage } from './QrImage';

/** Whose safety number: a contact's, or a group member's (contact or not). */
export type SafetyNumberOf = { readonly kind: 'contact'; readonly contactId: string } | { readonly kind: 'member'; readonly groupId: string; readonly accountId: string };

/**
 * Dialog that shows a safety number as digits and QR code, to compare in person. A contact (a group
 * member who is one too) can be marked verified; a member who is not a contact can be compared only.
 */
export function SafetyNumberDialog({ of, onClose }: { of: SafetyNumberOf; onClose: () => void }) {
  const accountId = of.kind === 'contact' ? of.contactId : of.accountId;
  const contact = useStore(selectContact(accountId));
  const member = useStore(selectGroup(of.kind === 'member' ? of.groupId : null))?.members.find((m) => m.accountId === accountId) ?? null;
  const setVerified = useStore((s) => s.setVerified);
  const [data, setData] = useState<{ groups: string[]; qrSvg: string; verified: boolean } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const name = contact?.name ?? member?.name ?? 'contact';
  const groupId = of.kind === 'member' ? of.groupId : null;

  useEffect(() => {
    const call = groupId ? parley.getGroupSafetyNumber({ groupId, accountId }) : parley.getSafetyNumber({ contactId: accountId });
    void call.then((r) => (r.ok ? setData(r.value) : setError(r.message)));
  }, [groupId, accountId, contact?.trust]);

  return (
    <Dialog title={`Safety number with ${name}`} onClose={onClose}>
      <p className="muted">
        Compare these numbers with {contact?.name ?? member?.name ?? 'your contact'} in person or on a call, or scan each other’s code. If they match, your
        messages are end-to-end encrypted with no one in between.
      </p>
      {!contact && member && <p className="muted">{member.name} is not in your contacts, so this number cannot be marked verified here.</p>}
      {error && <p className="error" role="alert">{error}</p>}
      {data && (
        <>
          <div className="safety" role="group" aria-label="Safety number">
            {data.groups.map((g, i) => (
              <span key={i}>{g}</span>
            ))}
          </div>
          <QrImage svg={data.qrSvg} label="Safety number QR code" size={180} />
          {contact && (
            <div className="row row--end">
              {data.verified ? (
                <button type="button" className="button button--secondary" onClick={() => void setVerified(contact.id, false)}>
                  Clear verification
                </button>
              ) : (
                <button type="button" className="button" onClick={() => void setVerified(contact.id, true)}>
                  Mark as verified
                </button>
              )}
            </div>
          )}
        </>
      )}
    </Dialog>
  );
}
