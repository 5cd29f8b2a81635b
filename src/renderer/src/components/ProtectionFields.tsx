import type { SessionDto } from '../../../shared/contract';
import { Field } from './Field';

/** How the store on this computer is protected: the keychain where it is secure, or a passphrase typed twice. */
export interface Protection {
  readonly useKeychain: boolean;
  readonly passphrase: string;
  readonly repeat: string;
}

/** The form's starting value: no keychain, no passphrase typed yet. */
export const NO_PROTECTION: Protection = { useKeychain: false, passphrase: '', repeat: '' };

/** What is wrong with the choice, in a sentence, or null. */
export function protectionProblem(p: Protection): string | null {
  if (!p.useKeychain && p.passphrase.length < 8) return 'Choose a passphrase of at least 8 characters.';
  if (p.passphrase.length > 0 && p.passphrase !== p.repeat) return 'The two passphrases do not match.';
  return null;
}

/** The choice as the contract takes it. */
export const protectionInput = (p: Protection) => ({ passphrase: p.passphrase.length > 0 ? p.passphrase : null, useKeychain: p.useKeychain });

/** The keychain switch (where the keychain is secure) and passphrase fields of the store protection choice. */
export function ProtectionFields({
  keychain,
  value,
  onChange,
  disabled = false,
}: {
  keychain: SessionDto['keychain'] | undefined;
  value: Protection;
  onChange: (next: Protection) => void;
  disabled?: boolean;
}) {
  return (
    <fieldset className="field" disabled={disabled}>
      <legend>Protect the messages stored on this computer</legend>
      <label className="checkbox">
        <input type="checkbox" checked={value.useKeychain} disabled={keychain !== 'available'} onChange={(e) => onChange({ ...value, useKeychain: e.target.checked })} />
        <span>Use this computer’s keychain</span>
      </label>
      {keychain === 'insecure' && (
        <p className="note" role="note">
          This system has no secure keychain (it would store the key in plain text), so Parley needs a passphrase.
        </p>
      )}
      <Field label={`Passphrase${value.useKeychain ? ' (optional)' : ''}`}>
        {(id) => <input id={id} type="password" value={value.passphrase} onChange={(e) => onChange({ ...value, passphrase: e.target.value })} autoComplete="new-password" />}
      </Field>
      <Field label="Repeat passphrase">
        {(id) => <input id={id} type="password" value={value.repeat} onChange={(e) => onChange({ ...value, repeat: e.target.value })} autoComplete="new-password" />}
      </Field>
    </fieldset>
  );
}
