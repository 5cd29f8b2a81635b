import type { ContactDto, IdentityChoice } from '../../../../shared/contract';
import type { UiError } from '../types';

/** State and actions of the contacts slice. */
export interface ContactsSlice {
  readonly contacts: readonly ContactDto[];
  readonly invite: { readonly code: string; readonly qrSvg: string } | null;
  readonly contactError: UiError | null;
  loadContacts(): Promise<void>;
  loadInvite(): Promise<void>;
  /** Adds a contact from an invite code; returns the new contact, or null with `contactError` set. */
  addContact(code: string, name: string): Promise<ContactDto | null>;
  setVerified(contactId: string, verified: boolean): Promise<void>;
  /** Accepts a contact's new key; with two conflicting ones, `choice` names the one the user verified. */
  acceptIdentityChange(contactId: string, choice?: IdentityChoice): Promise<void>;
  clearContactError(): void;
}
