import type { RootState } from '../root';

export const selectRestoreProgress = (s: RootState) => s.restoreProgress;
export const selectRestoreError = (s: RootState) => s.restoreError;
export const selectRestoreBusy = (s: RootState) => s.restoreBusy;
export const selectRestoreResult = (s: RootState) => s.restoreResult;
