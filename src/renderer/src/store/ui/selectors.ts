import type { RootState } from '../root';

/** The open dialog. */
export const selectDialog = (s: RootState) => s.dialog;
/** The file upload in progress, or null. */
export const selectActiveUpload = (s: RootState) => s.activeUpload;
