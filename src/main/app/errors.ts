/** Typed errors of the app layer (src/main/app): what the session and the guarded key operations refuse; each code names one situation. */
import { ParleyError } from '../../shared/errors';

/** Codes of the app layer. */
export type AppErrorCode =
  /** The keychain was chosen but this system's keychain is missing or insecure (Linux basic_text). */
  | 'APP_KEYCHAIN_INSECURE'
  /** Neither a passphrase nor the keychain was chosen to protect the profile. */
  | 'APP_NO_PROTECTION'
  /** A link to an existing account is already under way. */
  | 'APP_LINK_IN_PROGRESS'
  /** An answer about the linking short code came when no code is waiting for one. */
  | 'APP_NO_LINK_CHECK'
  /** The recovery phrase was confirmed earlier and is no longer stored. */
  | 'APP_PHRASE_CONFIRMED'
  /** Too many wrong passphrases: unlocking waits (the message says how long). */
  | 'APP_UNLOCK_BACKOFF'
  /** The user declined the main-owned confirmation, or typed a wrong passphrase into it: nothing was done. */
  | 'APP_NOT_CONFIRMED'
  /** Another confirmation is already open: one question at a time, so a renderer cannot stack dialogs. */
  | 'APP_CONFIRM_BUSY';

/** An error raised by the app layer, with one sentence a person can act on. */
export class AppError extends ParleyError<AppErrorCode> {}
