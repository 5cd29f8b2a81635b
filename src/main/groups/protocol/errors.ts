/** Typed errors of the group engine. Messages never carry key material or plaintext. */
import { ParleyError } from '../../../shared/errors';

/** Why the group engine refused something; each code is one kind of failure. */
export type GroupProtocolErrorCode =
  /** The bytes are not a well-formed sender-key message, distribution, record or state version. */
  | 'GROUP_MALFORMED'
  /** No sender key of that sender device and chain is known here (not distributed yet, or withheld). */
  | 'GROUP_NO_SENDER_KEY'
  /** The sender-key signature (or a state version's admin signature) does not verify. */
  | 'GROUP_BAD_SIGNATURE'
  /** The message key was used before or dropped: replays are rejected. */
  | 'GROUP_DUPLICATE'
  /** Accepting the message would skip more than MAX_GROUP_SKIP keys. */
  | 'GROUP_TOO_MANY_SKIPPED'
  /** The signature verified but the body did not authenticate. */
  | 'GROUP_BAD_MAC'
  /** A state version does not follow its chain (height, parent, author's authority, members). */
  | 'GROUP_BAD_VERSION';

/** The typed error every group-engine failure raises. */
export class GroupProtocolError extends ParleyError<GroupProtocolErrorCode> {}
