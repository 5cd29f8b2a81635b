import type { EventPayload, SessionDto } from '../../../../shared/contract';
import type { UiError } from '../types';

/** A new recovery phrase and the word positions the user must type back to confirm it. */
export interface PendingPhrase {
  readonly phrase: readonly string[];
  readonly confirmIndices: readonly number[];
}

/** State and actions of the session slice. */
export interface SessionSlice {
  readonly session: SessionDto | null;
  /** Shown once after account creation, dropped as soon as it is confirmed. */
  readonly pendingPhrase: PendingPhrase | null;
  readonly onboarding: EventPayload<'onboardingProgress'> | null;
  readonly sessionBusy: boolean;
  readonly sessionError: UiError | null;
  /** True when the account was removed while unlocked (this desktop was revoked and wiped itself). */
  readonly deviceRemoved: boolean;
  loadSession(): Promise<void>;
  watchSession(): () => void;
  createAccount(input: { name: string; passphrase: string | null; useKeychain: boolean }): Promise<boolean>;
  loadPendingPhrase(): Promise<void>;
  confirmPhrase(answers: { index: number; word: string }[]): Promise<boolean>;
  /** A new recovery phrase (and account key); the phrase screen follows until it is confirmed. */
  rotatePhrase(): Promise<boolean>;
  unlock(passphrase: string): Promise<boolean>;
  lock(): Promise<void>;
  clearSessionError(): void;
  dismissDeviceRemoved(): void;
}
