import type { StateCreator } from 'zustand';
import { parley } from '../../bridge';
import type { RootState } from '../root';
import { toUiError, unwrap } from '../types';
import type { ContactsSlice } from './state';

/** The contacts slice: the contact list, the invite, adding, renaming and verifying contacts. */
export const createContactsSlice: StateCreator<RootState, [], [], ContactsSlice> = (set) => ({
  contacts: [],
  invite: null,
  contactError: null,
  async loadContacts() {
    const r = await parley.listContacts();
    if (r.ok) set({ contacts: r.value });
  },
  async loadInvite() {
    const r = await parley.getInvite();
    if (r.ok) set({ invite: r.value });
    else set({ contactError: { code: r.code, message: r.message } });
  },
  async addContact(code, name) {
    set({ contactError: null });
    try {
      // The new contact and its conversation arrive as contactsChanged and conversationsChanged pushes.
      return unwrap(await parley.addContact({ code, name }));
    } catch (e) {
      set({ contactError: toUiError(e) });
      return null;
    }
  },
  // Trust and identity changes come back as contactsChanged and conversationsChanged pushes.
  async setVerified(contactId, verified) {
    const r = await parley.setContactVerified({ contactId, verified });
    if (!r.ok) set({ contactError: { code: r.code, message: r.message } });
  },
  async acceptIdentityChange(contactId, choice) {
    const r = await parley.acceptIdentityChange(choice ? { contactId, choice } : { contactId });
    if (!r.ok) set({ contactError: { code: r.code, message: r.message } });
  },
  clearContactError() {
    set({ contactError: null });
  },
});
