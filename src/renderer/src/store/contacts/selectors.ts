import type { RootState } from '../root';

export const selectContacts = (s: RootState) => s.contacts;
export const selectInvite = (s: RootState) => s.invite;
export const selectContactError = (s: RootState) => s.contactError;
export const selectContact = (id: string | null) => (s: RootState) => s.contacts.find((c) => c.id === id) ?? null;
