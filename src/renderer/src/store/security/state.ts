import type { AuditEntryDto, DeviceHealthDto } from '../../../../shared/contract';
import type { UiError } from '../types';

/** Settings → Security: the audit log, and session health per contact. */
export interface SecuritySlice {
  /** Audit rows loaded so far, newest first. */
  readonly auditLog: readonly AuditEntryDto[];
  /** The id to page from for older rows, or null when every row is loaded. */
  readonly auditNext: number | null;
  readonly auditError: UiError | null;
  /** Session health by contact id, as last loaded. */
  readonly sessionHealth: Readonly<Record<string, readonly DeviceHealthDto[]>>;
  readonly healthError: UiError | null;
  /** Loads the newest page of the audit log (or, with `more`, the next older page). */
  loadAuditLog(more?: boolean): Promise<void>;
  loadSessionHealth(contactId: string): Promise<void>;
}
