import type { ContactDto } from '../../../shared/contract';

/** A list of contacts to tick (for a new group, or to add to one); `exclude` hides accounts already in it. */
export function ContactPicker({ contacts, picked, onChange, exclude = [] }: { contacts: readonly ContactDto[]; picked: readonly string[]; onChange: (ids: string[]) => void; exclude?: readonly string[] }) {
  const shown = contacts.filter((c) => !exclude.includes(c.accountId));
  if (shown.length === 0) return <p className="muted">No contacts to add.</p>;
  return (
    <ul className="picker" aria-label="Contacts">
      {shown.map((c) => (
        <li key={c.id}>
          <label className="picker__row">
            <input
              type="checkbox"
              checked={picked.includes(c.accountId)}
              onChange={(e) => onChange(e.target.checked ? [...picked, c.accountId] : picked.filter((id) => id !== c.accountId))}
            />
            <span>{c.name}</span>
          </label>
        </li>
      ))}
    </ul>
  );
}
