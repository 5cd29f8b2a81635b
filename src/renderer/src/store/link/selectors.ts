import type { RootState } from '../root';

export const selectLinkCode = (s: RootState) => s.linkCode;
export const selectLinkProgress = (s: RootState) => s.linkProgress;
export const selectLinkError = (s: RootState) => s.linkError;
export const selectLinkStarting = (s: RootState) => s.linkStarting;
