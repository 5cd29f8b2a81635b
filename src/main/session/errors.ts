/** Typed errors of the session layer (src/main/session). */
import { ParleyError } from '../../shared/errors';

/** What went wrong setting up, using or repairing a session with a peer device. */
export type SessionLayerErrorCode =
  /** The relay's bundle was for another device, malformed, or failed a signature check. */
  | 'SESSION_BAD_BUNDLE'
  /** The device is not in its account's signed device list. */
  | 'SESSION_UNLISTED_DEVICE'
  /** The relay could not be reached to fetch a bundle. */
  | 'SESSION_OFFLINE'
  /** A session was written by another path while a batch held its record in memory (the batch runs again with none held). */
  | 'SESSION_CHANGED_WHILE_HELD';

/** An error of the session layer; `code` says which. */
export class SessionLayerError extends ParleyError<SessionLayerErrorCode> {}
