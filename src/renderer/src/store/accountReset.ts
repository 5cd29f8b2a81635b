/**
 * The account data of every slice at its start. Applied when this desktop's
 * account is gone (it was revoked and wiped itself), so nothing of it stays
 * on screen or shows up under the next account.
 */
import type { RootState } from './root';

/** The account data of every slice at its start. */
export const ACCOUNT_DATA_RESET = {
  contacts: [],
  invite: null,
  contactError: null,
  conversations: [],
  selectedConversationId: null,
  typing: {},
  messages: {},
  replyTo: null,
  editing: null,
  focusMessageId: null,
  messageError: null,
  searchQuery: '',
  searchHits: null,
  settings: null,
  dialog: { kind: 'none' },
  devices: [],
  devicesError: null,
  provisionProgress: null,
  backup: null,
  backupError: null,
  restoreResult: null,
  auditLog: [],
  auditNext: null,
  auditError: null,
  sessionHealth: {},
  healthError: null,
  groups: {},
  groupError: null,
} satisfies Partial<RootState>;
