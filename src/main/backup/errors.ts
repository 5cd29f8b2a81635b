/** Typed errors of backups. Messages name blobs by role and number, never by content, key or id. */
import { ParleyError } from '../../shared/errors';

/** What went wrong with a backup, one code per situation. */
export type BackupErrorCode =
  /** The relay has no backup for these keys (none was made, or the recovery phrase is another one). */
  | 'BACKUP_NOT_FOUND'
  /** A manifest or segment failed authentication, its digest, its id binding, or is missing: nothing was imported. */
  | 'BACKUP_TAMPERED'
  /** A blob authenticated but its content does not match the format (a bug or a newer writer): nothing was imported. */
  | 'BACKUP_MALFORMED'
  /** The backup was written in a format version this build does not know. */
  | 'BACKUP_VERSION'
  /** A blob is larger than this build accepts (BACKUP_MAX_BLOB_BYTES), or the state no longer fits one manifest. */
  | 'BACKUP_TOO_LARGE'
  /** The backup on the relay was written by another install; restore it or replace it explicitly. */
  | 'BACKUP_FOREIGN'
  /** The relay refused for now (too many failed attempts from this address). */
  | 'BACKUP_RATE_LIMITED'
  /** The relay could not be reached or the transfer broke off. Nothing changed locally. */
  | 'BACKUP_NETWORK'
  /** This account has no backup keys (a profile from before backups, or a linked device not yet told). */
  | 'BACKUP_NO_KEYS'
  /** Only the account's first-linked desktop writes the backup. */
  | 'BACKUP_NOT_WRITER'
  /** Any other failure, as recorded by the scheduler. */
  | 'BACKUP_FAILED';

/** Errors of src/main/backup. */
export class BackupError extends ParleyError<BackupErrorCode> {}
