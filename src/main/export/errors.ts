/** Typed errors of conversation export: each code names one reason an export did not start. */
import { ParleyError } from '../../shared/errors';

/** Why an export was refused. */
export type ExportErrorCode =
  /** The output folder exists and holds files: an export never writes over or among other files. */
  | 'EXPORT_OUT_NOT_EMPTY'
  /** The output path exists and is not a folder. */
  | 'EXPORT_OUT_NOT_FOLDER'
  /** There is no conversation to export (no contact, or the one named has none). */
  | 'EXPORT_NOTHING';

/** Errors of src/main/export. */
export class ExportError extends ParleyError<ExportErrorCode> {}
