/** The root store: one slice per domain, each split into state, actions and selectors. */
import { create } from 'zustand';
import type { AppSlice } from './app/state';
import type { SessionSlice } from './session/state';
import type { ContactsSlice } from './contacts/state';
import type { ConversationsSlice } from './conversations/state';
import type { MessagesSlice } from './messages/state';
import type { SearchSlice } from './search/state';
import type { SettingsSlice } from './settings/state';
import type { UiSlice } from './ui/state';
import type { LinkSlice } from './link/state';
import type { RestoreSlice } from './restore/state';
import type { DevicesSlice } from './devices/state';
import type { BackupSlice } from './backup/state';
import type { SecuritySlice } from './security/state';
import type { ExportsSlice } from './exports/state';
import type { GroupsSlice } from './groups/state';
import { createAppSlice } from './app/actions';
import { createSessionSlice } from './session/actions';
import { createContactsSlice } from './contacts/actions';
import { createConversationsSlice } from './conversations/actions';
import { createMessagesSlice } from './messages/actions';
import { createSearchSlice } from './search/actions';
import { createSettingsSlice } from './settings/actions';
import { createUiSlice } from './ui/actions';
import { createLinkSlice } from './link/actions';
import { createRestoreSlice } from './restore/actions';
import { createDevicesSlice } from './devices/actions';
import { createBackupSlice } from './backup/actions';
import { createSecuritySlice } from './security/actions';
import { createExportsSlice } from './exports/actions';
import { createGroupsSlice } from './groups/actions';

/** The whole renderer state: every slice's state and actions. */
export type RootState = AppSlice &
  SessionSlice &
  ContactsSlice &
  ConversationsSlice &
  MessagesSlice &
  SearchSlice &
  SettingsSlice &
  UiSlice &
  LinkSlice &
  RestoreSlice &
  DevicesSlice &
  BackupSlice &
  SecuritySlice &
  ExportsSlice &
  GroupsSlice;

/** The renderer's one store, built from the slices; components read it through selectors. */
export const useStore = create<RootState>()((...a) => ({
  ...createAppSlice(...a),
  ...createSessionSlice(...a),
  ...createContactsSlice(...a),
  ...createConversationsSlice(...a),
  ...createMessagesSlice(...a),
  ...createSearchSlice(...a),
  ...createSettingsSlice(...a),
  ...createUiSlice(...a),
  ...createLinkSlice(...a),
  ...createRestoreSlice(...a),
  ...createDevicesSlice(...a),
  ...createBackupSlice(...a),
  ...createSecuritySlice(...a),
  ...createExportsSlice(...a),
  ...createGroupsSlice(...a),
}));
