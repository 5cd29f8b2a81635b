import type { BackupStatusDto } from '../../../../shared/contract';
import type { UiError } from '../types';

/** The account's encrypted backup on the relay. */
export interface BackupSlice {
  readonly backup: BackupStatusDto | null;
  readonly backupError: UiError | null;
  loadBackupStatus(): Promise<void>;
  backupNow(): Promise<void>;
}
