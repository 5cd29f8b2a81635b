import type { StateCreator } from 'zustand';
import { parley } from '../../bridge';
import type { RootState } from '../root';
import { toUiError, unwrap } from '../types';
import type { SessionSlice } from './state';

export const createSessionSlice: StateCreator<RootState, [], [], SessionSlice> = (set, get) => ({
  session: null,
  pendingPhrase: null,
  onboarding: null,
  sessionBusy: false,
  sessionError: null,
  async loadSession() {
    const r = await parley.getSession();
    if (r.ok) set({ session: r.value });
    else set({ sessionError: { code: r.code, message: r.message } });
  },
  watchSession() {
    const a = parley.onSessionChanged((session) => set({ session }));
    const b = parley.onOnboardingProgress((onboarding) => set({ onboarding }));
    return () => {
      a();
      b();
    };
  },
  async createAccount(input) {
    set({ sessionBusy: true, sessionError: null, onboarding: null });
    try {
      const value = unwrap(await parley.createAccount(input));
      set({ pendingPhrase: { phrase: value.phrase, confirmIndices: value.confirmIndices } });
      await get().loadSession();
      return true;
    } catch (e) {
      set({ sessionError: toUiError(e) });
      return false;
    } finally {
      set({ sessionBusy: false });
    }
  },
  async loadPendingPhrase() {
    const r = await parley.getPendingRecoveryPhrase();
    if (r.ok) set({ pendingPhrase: r.value });
    else set({ sessionError: { code: r.code, message: r.message } });
  },
  async confirmPhrase(answers) {
    set({ sessionBusy: true, sessionError: null });
    try {
      unwrap(await parley.confirmRecoveryPhrase({ answers }));
      set({ pendingPhrase: null });
      await get().loadSession();
      return true;
    } catch (e) {
      set({ sessionError: toUiError(e) });
      return false;
    } finally {
      set({ sessionBusy: false });
    }
  },
  async unlock(passphrase) {
    set({ sessionBusy: true, sessionError: null });
    try {
      unwrap(await parley.unlock({ passphrase }));
      await get().loadSession();
      return true;
    } catch (e) {
      set({ sessionError: toUiError(e) });
      await get().loadSession();
      return false;
    } finally {
      set({ sessionBusy: false });
    }
  },
  async lock() {
    await parley.lock();
    await get().loadSession();
  },
  clearSessionError() {
    set({ sessionError: null });
  },
});
