import type { RootState } from '../root';

export const selectBackup = (s: RootState) => s.backup;
export const selectBackupError = (s: RootState) => s.backupError;
