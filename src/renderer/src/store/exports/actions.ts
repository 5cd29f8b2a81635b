import type { StateCreator } from 'zustand';
import { parley } from '../../bridge';
import type { RootState } from '../root';
import { toUiError, unwrap } from '../types';
import type { ExportsSlice } from './state';

/** The exports slice: Settings → Export and its progress. */
export const createExportsSlice: StateCreator<RootState, [], [], ExportsSlice> = (set, get) => ({
  exportBusy: false,
  exportProgress: null,
  exportResult: null,
  exportError: null,
  async exportConversations(format) {
    set({ exportBusy: true, exportError: null, exportProgress: null, exportResult: null });
    try {
      set({ exportResult: unwrap(await parley.exportConversations({ format })) });
      return true;
    } catch (e) {
      set({ exportError: toUiError(e) });
      return false;
    } finally {
      set({ exportBusy: false });
      // The export (or the refusal at the confirmation) is in the audit log now: show it in Settings → Security.
      void get().loadAuditLog();
    }
  },
  watchExportProgress() {
    return parley.onTransferProgress((p) => {
      if (p.kind === 'export') set({ exportProgress: p });
    });
  },
});
