import type { RootState } from '../root';

/** Every contact. */
export const selectContacts = (s: RootState) => s.contacts;
/** This account's invite (code and QR), or null before it is loaded. */
export const selectInvite = (s: RootState) => s.invite;
/** The last contact error to show, or null. */
export const selectContactError = (s: RootState) => s.contactError;
/** A selector for the contact with id `id`, or null. */
export const selectContact = (id: string | null) => (s: RootState) => s.contacts.find((c) => c.id === id) ?? null;
