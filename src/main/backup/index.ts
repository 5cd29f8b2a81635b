/** End-to-end-encrypted, incremental account backups on the relay: public surface (docs/protocol.md §5). */
export { BackupError, type BackupErrorCode } from './errors';
export { BACKUP_INFO, BackupKeys, type BackupKeySource } from './keys';
export {
  backupStatus, runBackup, type BackupLimits, type BackupMode, type BackupOptions, type BackupResult, type BackupStatus, type FullReason,
} from './backup';
export { restoreBackup, type RestoreProgress, type RestoreResult } from './restore';
export { BackupScheduler, type BackupSchedulerOptions, type ScheduledOutcome, type SchedulerTiming } from './scheduler';
