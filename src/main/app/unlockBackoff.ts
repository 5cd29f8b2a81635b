/**
 * Backoff between unlock attempts: after the first wrong passphrase each
 * further failure doubles the wait (UNLOCK_BACKOFF_BASE_MS up to
 * UNLOCK_BACKOFF_MAX_MS). Attempts inside the wait are refused without
 * touching the store. Time is injected so tests need no sleeping.
 */
import { UNLOCK_BACKOFF_BASE_MS, UNLOCK_BACKOFF_MAX_MS } from '../../shared/constants';

/** Counts failed unlocks and says when the next attempt may run, so guessing a passphrase gets slower. */
export class UnlockBackoff {
  #failures = 0;
  #notBefore = 0;
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Milliseconds until the next attempt is accepted (0 = now). */
  get retryInMs(): number {
    return Math.max(0, this.#notBefore - this.#now());
  }

  recordFailure(): void {
    this.#failures++;
    const wait = Math.min(UNLOCK_BACKOFF_MAX_MS, UNLOCK_BACKOFF_BASE_MS * 2 ** (this.#failures - 1));
    this.#notBefore = this.#now() + wait;
  }

  recordSuccess(): void {
    this.#failures = 0;
    this.#notBefore = 0;
  }
}
