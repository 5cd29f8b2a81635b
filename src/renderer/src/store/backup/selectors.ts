import type { RootState } from '../root';

/** The backup status, or null before it is loaded. */
export const selectBackup = (s: RootState) => s.backup;
/** The last backup error to show, or null. */
export const selectBackupError = (s: RootState) => s.backupError;
