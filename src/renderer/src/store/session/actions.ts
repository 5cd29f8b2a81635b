import type { StateCreator } from 'zustand';
import { parley } from '../../bridge';
import type { SessionDto } from '../../../../shared/contract';
import type { Result } from '../../../../shared/result';
import { ACCOUNT_DATA_RESET } from '../accountReset';
import type { RootState } from '../root';
import { toUiError, unwrap } from '../types';
import type { SessionSlice } from './state';

/** The next session, and, when it ends an unlocked account (revoked and wiped), the account data cleared with it. */
function follow(prev: SessionDto | null, session: SessionDto): Partial<RootState> {
  const removed = prev?.status === 'unlocked' && session.status === 'new';
  return removed ? { ...ACCOUNT_DATA_RESET, session, deviceRemoved: true } : { session };
}

/** The session slice: creating, unlocking and locking the account, and the recovery phrase shown once. */
export const createSessionSlice: StateCreator<RootState, [], [], SessionSlice> = (set, get) => {
  /** Runs one session step with the busy flag set; a failure becomes `sessionError` and `false`. */
  const step = async (work: () => Promise<void>, onError?: () => Promise<void>): Promise<boolean> => {
    set({ sessionBusy: true, sessionError: null });
    try {
      await work();
      await get().loadSession();
      return true;
    } catch (e) {
      set({ sessionError: toUiError(e) });
      await onError?.();
      return false;
    } finally {
      set({ sessionBusy: false });
    }
  };
  /** A call that hands out a new phrase (account creation, rotation); the phrase screen then shows it. */
  const showNewPhrase = (call: () => Promise<Result<{ phrase: string[]; confirmIndices: number[] }>>): Promise<boolean> =>
    step(async () => {
      const value = unwrap(await call());
      set({ pendingPhrase: { phrase: value.phrase, confirmIndices: value.confirmIndices } });
    });

  return {
    session: null,
    pendingPhrase: null,
    onboarding: null,
    sessionBusy: false,
    sessionError: null,
    deviceRemoved: false,
    async loadSession() {
      const r = await parley.getSession();
      if (r.ok) set((s) => follow(s.session, r.value));
      else set({ sessionError: { code: r.code, message: r.message } });
    },
    watchSession() {
      const a = parley.onSessionChanged((session) => set((s) => follow(s.session, session)));
      const b = parley.onOnboardingProgress((onboarding) => set({ onboarding }));
      return () => {
        a();
        b();
      };
    },
    createAccount(input) {
      set({ onboarding: null });
      return showNewPhrase(() => parley.createAccount(input));
    },
    rotatePhrase() {
      return showNewPhrase(() => parley.rotateRecoveryPhrase());
    },
    async loadPendingPhrase() {
      set({ sessionError: null });
      // Main asks the user in its own dialog first; the words live only in this slice (never persisted) until confirmed.
      const r = await parley.getPendingRecoveryPhrase();
      if (r.ok) set({ pendingPhrase: r.value });
      else set({ sessionError: { code: r.code, message: r.message } });
    },
    confirmPhrase(answers) {
      return step(async () => {
        unwrap(await parley.confirmRecoveryPhrase({ answers }));
        set({ pendingPhrase: null });
      });
    },
    unlock(passphrase) {
      // A failed unlock still reloads the session: it carries the backoff the screen shows.
      return step(
        async () => void unwrap(await parley.unlock({ passphrase })),
        () => get().loadSession(),
      );
    },
    async lock() {
      await parley.lock();
      await get().loadSession();
    },
    clearSessionError() {
      set({ sessionError: null });
    },
    dismissDeviceRemoved() {
      set({ deviceRemoved: false });
    },
  };
};
