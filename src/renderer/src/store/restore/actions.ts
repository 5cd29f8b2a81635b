import type { StateCreator } from 'zustand';
import { parley } from '../../bridge';
import type { RootState } from '../root';
import { toUiError, unwrap } from '../types';
import type { RestoreSlice } from './state';

/** The restore slice: restoring an account from its recovery phrase and backup. */
export const createRestoreSlice: StateCreator<RootState, [], [], RestoreSlice> = (set) => ({
  restoreProgress: null,
  restoreError: null,
  restoreBusy: false,
  restoreResult: null,
  async restoreAccount(input) {
    set({ restoreBusy: true, restoreError: null, restoreProgress: null, restoreResult: null });
    try {
      set({ restoreResult: unwrap(await parley.restoreAccount(input)) });
      return true;
    } catch (e) {
      set({ restoreError: toUiError(e) });
      return false;
    } finally {
      set({ restoreBusy: false });
    }
  },
  clearRestoreResult() {
    set({ restoreResult: null });
  },
  watchRestoreProgress() {
    return parley.onTransferProgress((p) => {
      if (p.kind === 'restore') set({ restoreProgress: p });
    });
  },
});
