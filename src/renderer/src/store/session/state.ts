import type { EventPayload, SessionDto } from '../../../../shared/contract';
import type { UiError } from '../types';

export interface PendingPhrase {
  readonly phrase: readonly string[];
  readonly confirmIndices: readonly number[];
}

export interface SessionSlice {
  readonly session: SessionDto | null;
  /** Shown once after account creation, dropped as soon as it is confirmed. */
  readonly pendingPhrase: PendingPhrase | null;
  readonly onboarding: EventPayload<'onboardingProgress'> | null;
  readonly sessionBusy: boolean;
  readonly sessionError: UiError | null;
  loadSession(): Promise<void>;
  watchSession(): () => void;
  createAccount(input: { name: string; passphrase: string | null; useKeychain: boolean }): Promise<boolean>;
  loadPendingPhrase(): Promise<void>;
  confirmPhrase(answers: { index: number; word: string }[]): Promise<boolean>;
  unlock(passphrase: string): Promise<boolean>;
  lock(): Promise<void>;
  clearSessionError(): void;
}
