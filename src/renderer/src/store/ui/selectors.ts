import type { RootState } from '../root';

export const selectDialog = (s: RootState) => s.dialog;
export const selectActiveUpload = (s: RootState) => s.activeUpload;
