/** What the messaging services share: the store, this device's keys, the relay link, the session layer and the event bus. */
import type { LocalStore } from '../store';
import type { ContactsRepo } from '../store/contacts';
import type { DeviceKeys } from '../account/keys';
import type { AccountBus, ChatEvents } from '../account/events';
import type { Settings } from '../account/service';
import type { RelayLink } from '../relayClient/relayLink';
import type { AuditSink, SessionLayer } from '../session/sessionLayer';

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
}
