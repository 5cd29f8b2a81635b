import type { RootState } from '../root';

export type Screen = 'loading' | 'welcome' | 'phrase' | 'unlock' | 'main';

export const selectScreen = (s: RootState): Screen => {
  if (!s.session) return 'loading';
  if (s.session.status === 'new') return 'welcome';
  if (s.session.status === 'locked') return 'unlock';
  if (s.session.phrasePendingConfirmation) return 'phrase';
  return 'main';
};
export const selectSession = (s: RootState) => s.session;
export const selectPendingPhrase = (s: RootState) => s.pendingPhrase;
export const selectOnboarding = (s: RootState) => s.onboarding;
export const selectSessionError = (s: RootState) => s.sessionError;
export const selectSessionBusy = (s: RootState) => s.sessionBusy;
export const selectDeviceRemoved = (s: RootState) => s.deviceRemoved;
