import type { CallResponse, TransferProgressDto } from '../../../../shared/contract';
import type { UiError } from '../types';
import type { NewDeviceInput } from '../link/state';

/** Restoring an account from its recovery phrase on a fresh install. */
export interface RestoreSlice {
  /** The latest `transferProgress` of kind 'restore'. */
  readonly restoreProgress: TransferProgressDto | null;
  readonly restoreError: UiError | null;
  readonly restoreBusy: boolean;
  /** How the last restore went, for the notice on the main screen (null once dismissed). */
  readonly restoreResult: CallResponse<'restoreAccount'> | null;
  restoreAccount(input: NewDeviceInput & { phrase: string }): Promise<boolean>;
  clearRestoreResult(): void;
  /** Follows `transferProgress` for kind 'restore'; returns the unsubscribe. */
  watchRestoreProgress(): () => void;
}
