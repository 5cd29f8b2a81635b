import type { StateCreator } from 'zustand';
import { parley } from '../../bridge';
import type { RootState } from '../root';
import type { UiSlice } from './state';

/** The UI slice: the open dialog and the file upload in progress. */
export const createUiSlice: StateCreator<RootState, [], [], UiSlice> = (set, get) => ({
  dialog: { kind: 'none' },
  activeUpload: null,
  cancelledUploads: [],
  openDialog(dialog) {
    set({ dialog });
  },
  closeDialog() {
    set({ dialog: { kind: 'none' } });
  },
  async cancelUpload() {
    const upload = get().activeUpload;
    if (!upload) return;
    set((s) => ({ cancelledUploads: [...s.cancelledUploads, upload.uploadId], activeUpload: null }));
    await parley.cancelAttachment({ id: upload.uploadId });
  },
});
