/** What the messaging modules share: the store, this device's keys, the relay link and the event sink. */
import type { LocalStore } from '../store';
import type { AttachmentPointer } from '../../shared/wire/content';
import type { ContactsRepo } from '../store/contacts';
import type { DeviceKeys } from '../account/keys';
import type { RelayLink } from '../relayClient/relayLink';
import type { BackupKeyRecord } from '../account/record';
import type { AuditSink, SessionLayer } from '../session/sessionLayer';

export interface IncomingText {
  readonly conversationId: string;
  readonly from: string;
  readonly id: string;
  readonly text: string;
  readonly sentAt: number;
}

export interface ChatEvents {
  messagesChanged(conversationId: string, messageIds: readonly string[]): void;
  conversationsChanged(): void;
  contactsChanged(): void;
  typing(conversationId: string, typing: boolean): void;
  incomingText(message: IncomingText): void;
  /** An envelope from a listed device could not be decrypted; a placeholder row shows it and a retry request went out. */
  undecryptable(message: { conversationId: string | null; from: string; id: string; reason: string; receivedAt: number }): void;
  /** This account's device list or device names changed. */
  devicesChanged(): void;
  /** Another device of the account revoked this one; its profile has been wiped. */
  revoked(): void;
  /** The backup ran, started or failed. */
  backupChanged(): void;
}

export interface ChatContext {
  readonly store: LocalStore;
  /** Replaced when the account key rotates (new recovery phrase). */
  keys: DeviceKeys;
  readonly contacts: ContactsRepo;
  readonly link: RelayLink;
  /** The one session layer: every encrypt, decrypt and session set-up goes through it. */
  readonly sessions: SessionLayer;
  /** Records key-management and session events (no secrets, no content). */
  readonly audit: AuditSink;
  readonly events: ChatEvents;
  readonly displayName: () => string;
  readonly settings: () => { readReceipts: boolean; typingIndicators: boolean };
  readonly now: () => number;
  /** Starts fetching a received attachment in the background. */
  /** One of our devices rotated the account key; switch to it (after the commit that received it). */
  readonly adoptRotation: (accountSecretKey: Uint8Array, backup: BackupKeyRecord | null) => Promise<void>;
  readonly fetchAttachment: (conversationId: string, messageId: string, attachmentId: string, pointer: AttachmentPointer) => void;
}
