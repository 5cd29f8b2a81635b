/** What the messaging services share: the store, this device's keys, the relay link, the session layer and the event bus. */
import type { LocalStore } from '../store';
import type { ContactsRepo } from '../store/contacts';
import type { DeviceKeys } from '../account/keys';
import type { AccountBus, ChatEvents } from '../account/events';
import type { Settings } from '../account/service';
import type { RelayLink } from '../relayClient/relayLink';
import type { AuditSink, SessionLayer } from '../session/sessionLayer';
import type { Content } from '../../shared/wire/content';
import type { ProtocolAddress } from '../protocol';
import type { NewMessage } from '../store';
import type { NewDevice } from './lateDevices';

export type { ChatEvents, IncomingText } from '../account/events';

/** The state every service reads; built once by the Messenger. */
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
  /** The typed bus services talk through. */
  readonly bus: AccountBus;
  /** The UI-facing events, as methods emitting on `bus`. */
  readonly events: ChatEvents;
  readonly displayName: () => string;
  readonly settings: () => Settings;
  readonly now: () => number;
  /** Groups, set by the Messenger once built (conversations cannot import src/main/groups); null before. */
  groups: GroupHooks | null;
}

/** What group content came to inside the receive transaction. */
export interface GroupReceived {
  /** The group (conversation) it belongs to. */
  readonly conversationId: string;
  /** The decrypted conversation content (a text, say), or the pairwise group content itself. */
  readonly content: Content;
  /** The message row it inserted, if any. */
  readonly message: NewMessage | undefined;
  /** Work after the commit (sending a sender key, fetching a member's devices). */
  readonly after?: () => Promise<void>;
}

/** What the conversation paths ask of groups (docs/protocol.md §8). */
export interface GroupHooks {
  /** True when the conversation is a group. */
  isGroup(conversationId: string): boolean;
  /** Sends conversation content (text, edit, delete, reaction, receipt) to a group; resolves after the commit. */
  send(groupId: string, content: Content, message?: NewMessage, inSameTransaction?: () => void): Promise<void>;
  /** Inside the receive transaction: applies group content from a vouched device; null when `content` is not group content. */
  receive(from: ProtocolAddress, content: Content, changed: Set<string>): GroupReceived | null;
  /** Sends one of our group messages (`content`, under its id) again to the member devices whose account has not confirmed it; resolves after the commit. */
  resend(groupId: string, content: Content, messageId: string): Promise<void>;
  /** A member device said our group message did not decrypt there: give it our sender key again. */
  redistribute(from: ProtocolAddress, groupId: string, chainId: number): Promise<void>;
  /** Inside the transaction that records them: logs our recent group messages for an account's new devices (groups/lateDevices.ts); returns how many rows. */
  forwardToNewDevices(accountId: string, devices: readonly NewDevice[]): number;
  /** Inside the receive transaction: a non-contact member's verified device list, for every group they are in. */
  noteDevices(accountId: string, deviceIds: readonly string[]): void;
  /** Inside the receive transaction: a signed account key change from a contact or not (shown in the groups we share, groups/keyChanges.ts). */
  memberKeyChange(accountId: string, newAccountId: string, signature: string, contact: boolean): void;
  /** The name a non-contact member chose (or the name the group knows them by), or null. */
  memberName(accountId: string): string | null;
  /** For an export: the group's name and its membership and state changes as timeline sentences, oldest first. */
  describe(groupId: string): { readonly name: string; readonly events: readonly string[] };
}
