/** The encrypted local store: public surface. */
export { StoreError, type StoreErrorCode } from './errors';
export { SecretKey } from './secretKey';
export type { Keychain, KeychainBackend } from './keychain';
export { DEFAULT_PWHASH, type PwhashParams } from './keyFile';
export { LocalStore, DB_FILE, KEY_FILE, type UnlockOptions } from './store';
export type { SqliteDatabase, DatabaseOpenOptions } from './database';
export type { Message, NewMessage, Conversation, ConversationSummary, Cursor, DeliveryState, MessageDirection } from './messages';
export { asInserted } from './messages';
export type { ReceiveCommit, ReceiveOutcome, SendCommit, OutboxEntry } from './delivery';
export type { TrustState, PreKeyTable } from './protocolStores';
export { PREKEY_LEDGER_SETTING, type PrekeyLedger, type PrekeyLedgerState, type PrekeyRecordPut } from './prekeyLedger';
export type { Contact } from './directory';
export type { Attachment } from './attachments';
export type { Reaction } from './reactions';
export { AUDIT_KINDS, type AuditCounts, type AuditDetail, type AuditEntry, type AuditKind } from './audit';
export type { ReceivedEvent, ReceivedEventBody } from './receivedEvents';
export type { GroupMemberRow, GroupRow, GroupStatus, GroupUpload, PendingGroupMessage } from './groups';
