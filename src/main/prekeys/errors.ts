/** Typed errors of prekey upkeep (src/main/prekeys). */
import { ParleyError } from '../../shared/errors';

/** Why an upkeep run could not finish; it is retried at the next authentication or timer tick. */
export type PrekeyErrorCode =
  /** No live relay connection to ask for counts or upload to. */
  | 'PREKEYS_OFFLINE'
  /** The store lacks a prekey the ledger names (or this profile never made its first set). */
  | 'PREKEYS_MISSING';

/** A failure of prekey upkeep, with its code. */
export class PrekeyError extends ParleyError<PrekeyErrorCode> {}
