/** Typed errors of the local store. Messages never carry keys, bodies or names. */
import { ParleyError } from '../../shared/errors';

/** Why a store operation failed; each code is one kind of failure. */
export type StoreErrorCode =
  /** The passphrase (or keychain blob) does not unwrap the database key. Nothing was modified. */
  | 'STORE_WRONG_PASSPHRASE'
  /** The database file does not decrypt or fails its page authentication (wrong key or tampered page). */
  | 'STORE_CORRUPT'
  /** The key file is missing, malformed, or declares parameters below the named minimums. */
  | 'STORE_BAD_KEYFILE'
  /** The OS keychain has no real backend (Linux basic_text); a passphrase is required instead. */
  | 'STORE_KEYCHAIN_INSECURE'
  /** No unlock method was given that the key file supports. */
  | 'STORE_NO_UNLOCK_METHOD'
  /** A store already exists where a new one was to be created. */
  | 'STORE_EXISTS'
  /** A sealed record does not open: moved to another row, tampered, or of another format version. */
  | 'STORE_SEAL_FAILED'
  /** The database was written by a newer schema than this build knows. */
  | 'STORE_SCHEMA_TOO_NEW'
  /** A caller passed a value outside the store's accepted range (page size, ids, states). */
  | 'STORE_BAD_INPUT'
  /** Another process holds the store file's lock (it may be moving it to the current page cipher); nothing was changed. */
  | 'STORE_BUSY'
  /** The store was closed. */
  | 'STORE_CLOSED';

/** The typed error every store failure raises. */
export class StoreError extends ParleyError<StoreErrorCode> {}
