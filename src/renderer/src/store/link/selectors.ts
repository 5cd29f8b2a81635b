import type { RootState } from '../root';

/** This new desktop's link code (text and QR), or null. */
export const selectLinkCode = (s: RootState) => s.linkCode;
/** Progress of receiving the account from the existing device, or null. */
export const selectLinkProgress = (s: RootState) => s.linkProgress;
/** The last linking error to show, or null. */
export const selectLinkError = (s: RootState) => s.linkError;
/** The account and short code waiting for the user's answer, or null. */
export const selectLinkCheck = (s: RootState) => s.linkCheck;
/** True while the link code is being made. */
export const selectLinkStarting = (s: RootState) => s.linkStarting;
