import type { StateCreator } from 'zustand';
import { parley } from '../../bridge';
import type { RootState } from '../root';
import type { BackupSlice } from './state';

/** The backup slice: status of the encrypted backup and running one now. */
export const createBackupSlice: StateCreator<RootState, [], [], BackupSlice> = (set, get) => ({
  backup: null,
  backupError: null,
  async loadBackupStatus() {
    const r = await parley.getBackupStatus();
    if (r.ok) set({ backup: r.value });
    else set({ backupError: { code: r.code, message: r.message } });
  },
  async backupNow() {
    set((s) => ({ backupError: null, backup: s.backup ? { ...s.backup, status: 'running', error: null } : s.backup }));
    const r = await parley.backupNow();
    if (r.ok) set({ backup: r.value });
    else {
      set({ backupError: { code: r.code, message: r.message } });
      await get().loadBackupStatus();
    }
  },
});
