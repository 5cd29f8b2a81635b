/** Typed errors of the app session (creating, linking, unlocking a profile); each code names one situation. */
import { ParleyError } from '../../shared/errors';

/** What the app session refused. */
export type AppErrorCode =
  /** The keychain was chosen but this system's keychain is missing or insecure (Linux basic_text). */
  | 'APP_KEYCHAIN_INSECURE'
  /** Neither a passphrase nor the keychain was chosen to protect the profile. */
  | 'APP_NO_PROTECTION'
  /** A link to an existing account is already under way. */
  | 'APP_LINK_IN_PROGRESS'
  /** The recovery phrase was confirmed earlier and is no longer stored. */
  | 'APP_PHRASE_CONFIRMED'
  /** Too many wrong passphrases: unlocking waits (the message says how long). */
  | 'APP_UNLOCK_BACKOFF';

/** Errors of src/main/app. */
export class AppError extends ParleyError<AppErrorCode> {}
