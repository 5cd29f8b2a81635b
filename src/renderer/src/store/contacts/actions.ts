import type { StateCreator } from 'zustand';
import { parley } from '../../bridge';
import type { RootState } from '../root';
import { toUiError, unwrap } from '../types';
import type { ContactsSlice } from './state';

/** The contacts slice: the contact list, the invite, adding, renaming and verifying contacts. */
export const createContactsSlice: StateCreator<RootState, [], [], ContactsSlice> = (set, get) => ({
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
      const contact = unwrap(await parley.addContact({ code, name }));
      await Promise.all([get().loadContacts(), get().loadConversations()]);
      return contact;
    } catch (e) {
      set({ contactError: toUiError(e) });
      return null;
    }
  },
  async setVerified(contactId, verified) {
    const r = await parley.setContactVerified({ contactId, verified });
    if (!r.ok) set({ contactError: { code: r.code, message: r.message } });
    await Promise.all([get().loadContacts(), get().loadConversations()]);
  },
  async acceptIdentityChange(contactId) {
    const r = await parley.acceptIdentityChange({ contactId });
    if (!r.ok) set({ contactError: { code: r.code, message: r.message } });
    await Promise.all([get().loadContacts(), get().loadConversations()]);
  },
  clearContactError() {
    set({ contactError: null });
  },
});
