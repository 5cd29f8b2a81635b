import { useEffect, useState, type FormEvent } from 'react';
import { MAX_GROUP_NAME_CHARS } from '../../../shared/constants';
import { useStore } from '../store/root';
import { selectContacts } from '../store/contacts/selectors';
import { selectGroupError } from '../store/groups/selectors';
import { ContactPicker } from './ContactPicker';
import { Dialog } from './Dialog';
import { Field } from './Field';

/** Dialog that creates a group from contacts, with a name; the new group opens. */
export function CreateGroupDialog({ onClose }: { onClose: () => void }) {
  const contacts = useStore(selectContacts);
  const error = useStore(selectGroupError);
  const createGroup = useStore((s) => s.createGroup);
  const clearError = useStore((s) => s.clearGroupError);
  const select = useStore((s) => s.selectConversation);
  const [name, setName] = useState('');
  const [picked, setPicked] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);

  useEffect(() => clearError(), [clearError]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    const group = await createGroup(name.trim(), picked);
    setBusy(false);
    if (group) {
      // The group's conversation row may still be on its way as a push; it opens when it arrives.
      select(group.id);
      onClose();
    }
  };

  return (
    <Dialog title="New group" onClose={onClose}>
      <form onSubmit={(e) => void submit(e)}>
        <Field label="Group name">
          {(id) => <input id={id} value={name} onChange={(e) => setName(e.target.value)} maxLength={MAX_GROUP_NAME_CHARS} placeholder="What the group is called" />}
        </Field>
        <p className="field__label">Members</p>
        <ContactPicker contacts={contacts} picked={picked} onChange={setPicked} />
        {error && (
          <p className="error" role="alert">
            {error.message}
          </p>
        )}
        <div className="row row--end">
          <button type="submit" className="button" disabled={busy || name.trim() === '' || picked.length === 0}>
            Create group
          </button>
        </div>
      </form>
    </Dialog>
  );
}
