import { useEffect, useState, type FormEvent } from 'react';
import type { ConversationDto } from '../../../shared/contract';
import { useStore } from '../store/root';
import { selectContactError, selectInvite } from '../store/contacts/selectors';
import { CopyButton } from './CopyButton';
import { Dialog } from './Dialog';
import { QrImage } from './QrImage';
import { QrSources } from './QrSources';
import { Field } from './Field';

/** Dialog that shows this account's invite (code and QR) and adds a contact from theirs. */
export function AddContactDialog({ onClose }: { onClose: () => void }) {
  const invite = useStore(selectInvite);
  const error = useStore(selectContactError);
  const loadInvite = useStore((s) => s.loadInvite);
  const addContact = useStore((s) => s.addContact);
  const clearError = useStore((s) => s.clearContactError);
  const select = useStore((s) => s.selectConversation);
  const conversations = useStore((s) => s.conversations);
  const [code, setCode] = useState('');
  const [name, setName] = useState('');
  const [fileError, setFileError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    clearError();
    void loadInvite();
  }, [loadInvite, clearError]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    const contact = await addContact(code.trim(), name.trim());
    setBusy(false);
    if (contact) {
      const mine = (c: ConversationDto) => c.kind === 'direct' && c.contactId === contact.id;
      const conv = useStore.getState().conversations.find(mine) ?? conversations.find(mine);
      // A direct conversation's id is the contact's; its row may still be on its way as a push.
      select(conv?.id ?? contact.id);
      onClose();
    }
  };

  return (
    <Dialog title="Add a contact" onClose={onClose} wide>
      <div className="add-contact">
        <section aria-labelledby="my-invite">
          <h3 id="my-invite">Your invite</h3>
          <p className="muted">Let your friend scan this code, or send them the text.</p>
          {invite && (
            <>
              <QrImage svg={invite.qrSvg} label="Your invite QR code" />
              <code className="invite-code" aria-label="Your invite code">
                {invite.code}
              </code>
              <CopyButton text={invite.code} label="Copy invite code" />
            </>
          )}
        </section>
        <section aria-labelledby="their-invite">
          <h3 id="their-invite">Their invite</h3>
          <form onSubmit={(e) => void submit(e)}>
            <Field label="Invite code">
              {(id) => (
                <textarea id={id} value={code} onChange={(e) => setCode(e.target.value)} rows={3} spellCheck={false} placeholder="parley1…" />
              )}
            </Field>
            <QrSources onCode={setCode} onError={setFileError} />
            <Field label="Name">
              {(id) => (
                <input id={id} value={name} onChange={(e) => setName(e.target.value)} maxLength={64} placeholder="What you call them" />
              )}
            </Field>
            {(error || fileError) && (
              <p className="error" role="alert">
                {fileError ?? error?.message}
              </p>
            )}
            <button type="submit" className="button" disabled={busy || code.trim() === '' || name.trim() === ''}>
              Add contact
            </button>
          </form>
        </section>
      </div>
    </Dialog>
  );
}
