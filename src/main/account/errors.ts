import { ParleyError } from '../../shared/errors';

/** What the messaging core (account, contacts, conversations, devices, messenger) refused or could not do. */
export type ChatErrorCode =
  | 'CHAT_NO_ACCOUNT'
  /** The sealed account record opened but is not in a format this build reads. */
  | 'CHAT_BAD_ACCOUNT_RECORD'
  | 'CHAT_ACCOUNT_EXISTS'
  | 'CHAT_LOCKED'
  | 'CHAT_OFFLINE'
  | 'CHAT_UNKNOWN_CONTACT'
  | 'CHAT_SELF_CONTACT'
  | 'CHAT_IDENTITY_CHANGED'
  | 'CHAT_IDENTITY_CONFLICT'
  | 'CHAT_BAD_DEVICE_LIST'
  | 'CHAT_UNKNOWN_MESSAGE'
  | 'CHAT_PHRASE_MISMATCH'
  /** Edit or delete-for-everyone of a message that is not ours (or already deleted). */
  | 'CHAT_NOT_OWN_MESSAGE'
  /** A device tried to revoke itself; another device of the account must do it. */
  | 'CHAT_REVOKE_SELF'
  /** A relay address that is not ws:// or wss://. */
  | 'CHAT_BAD_RELAY_URL'
  /** A relay identity key given to trust is not a 32-byte key in base64url. */
  | 'CHAT_BAD_RELAY_KEY'
  | 'CHAT_LINK_EXPIRED'
  | 'CHAT_LINK_CANCELLED'
  | 'CHAT_LINK_INVALID'
  /** The user said the short code on the new desktop differs from the one on their other desktop: the link is refused. */
  | 'CHAT_LINK_DECLINED'
  | 'CHAT_UNKNOWN_DEVICE'
  | 'CHAT_REVOKED'
  /** Only a message showing "not delivered" can be sent again. */
  | 'CHAT_NOT_FAILED'
  /** The message's content is no longer held for sending again (a file past the resend log's age). */
  | 'CHAT_RETRY_UNAVAILABLE';

/** Errors of the messaging core, each with one sentence a person can act on. */
export class ChatError extends ParleyError<ChatErrorCode> {}
