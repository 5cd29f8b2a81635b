import type { RootState } from '../root';

/** Progress of a restore, or null. */
export const selectRestoreProgress = (s: RootState) => s.restoreProgress;
/** The last restore error to show, or null. */
export const selectRestoreError = (s: RootState) => s.restoreError;
/** True while a restore runs. */
export const selectRestoreBusy = (s: RootState) => s.restoreBusy;
/** What the finished restore brought back, or null. */
export const selectRestoreResult = (s: RootState) => s.restoreResult;
