import type { DeviceHealthDto } from '../../../../shared/contract';
import type { RootState } from '../root';

const NO_DEVICES: readonly DeviceHealthDto[] = [];

/** Audit rows loaded so far, newest first. */
export const selectAuditLog = (s: RootState) => s.auditLog;
/** True while older audit rows remain to be loaded. */
export const selectAuditHasMore = (s: RootState) => s.auditNext !== null;
/** The last failure loading the audit log. */
export const selectAuditError = (s: RootState) => s.auditError;
/** Session health of one contact's devices (empty until loaded). */
export const selectSessionHealth = (contactId: string) => (s: RootState) => s.sessionHealth[contactId] ?? NO_DEVICES;
/** The last failure loading session health. */
export const selectHealthError = (s: RootState) => s.healthError;
