import type { DeviceHealthDto } from '../../../../shared/contract';
import type { RootState } from '../root';

const NO_DEVICES: readonly DeviceHealthDto[] = [];

export const selectAuditLog = (s: RootState) => s.auditLog;
export const selectAuditHasMore = (s: RootState) => s.auditNext !== null;
export const selectAuditError = (s: RootState) => s.auditError;
export const selectSessionHealth = (contactId: string) => (s: RootState) => s.sessionHealth[contactId] ?? NO_DEVICES;
export const selectHealthError = (s: RootState) => s.healthError;
