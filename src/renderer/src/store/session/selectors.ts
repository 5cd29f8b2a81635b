import type { RootState } from '../root';

/** The screen the app shows. */
export type Screen = 'loading' | 'welcome' | 'phrase' | 'unlock' | 'main';

/** Which screen the session state calls for. */
export const selectScreen = (s: RootState): Screen => {
  if (!s.session) return 'loading';
  if (s.session.status === 'new') return 'welcome';
  if (s.session.status === 'locked') return 'unlock';
  if (s.session.phrasePendingConfirmation) return 'phrase';
  return 'main';
};
/** The session, or null before it is loaded. */
export const selectSession = (s: RootState) => s.session;
/** The recovery phrase to show and confirm, or null. */
export const selectPendingPhrase = (s: RootState) => s.pendingPhrase;
/** Progress of account creation, or null. */
export const selectOnboarding = (s: RootState) => s.onboarding;
/** The last session error to show, or null. */
export const selectSessionError = (s: RootState) => s.sessionError;
/** True while a session step runs. */
export const selectSessionBusy = (s: RootState) => s.sessionBusy;
/** True when this desktop was removed from its account and wiped itself. */
export const selectDeviceRemoved = (s: RootState) => s.deviceRemoved;
