/** Typed errors of the app layer (src/main/app): what the session and the guarded key operations refuse. */
import { ParleyError } from '../../shared/errors';

/** Codes of the app layer. */
export type AppErrorCode =
  /** The user declined the main-owned confirmation, or typed a wrong passphrase into it: nothing was done. */
  | 'APP_NOT_CONFIRMED'
  /** Another confirmation is already open: one question at a time, so a renderer cannot stack dialogs. */
  | 'APP_CONFIRM_BUSY';

/** An error raised by the app layer, with one sentence a person can act on. */
export class AppError extends ParleyError<AppErrorCode> {}
