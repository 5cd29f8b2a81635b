/**
 * During a catch-up, a receive batch waits briefly for the relay's next
 * envelopes before it starts: a batch's fixed cost (its commit, its ack,
 * the relay's refill, one round of events) is the same for 30 envelopes as
 * for 256. The relay flushes a window in 64 KiB WebSocket messages (about
 * 30 texts each), so a batch started as soon as anything waited took one
 * such message at a time (bench:app: ≈ 26 envelopes a batch once nothing
 * else slowed the loop down). The wait ends when enough envelopes wait
 * (half the relay's delivery window, so the other half is on its way while
 * this one commits) or after RECEIVE_FILL_WAIT_MS, so a relay that pushes
 * less than it announced costs that much a batch at most.
 */
import { RECEIVE_FILL_WAIT_MS } from '../../shared/constants';

/** Waits for a receive batch worth its fixed cost (see the file comment). */
export class BatchFill {
  #wake: (() => void) | null = null;

  /** Envelopes were queued: a waiting `until` looks again. */
  arrived(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  /** Resolves once `have()` reaches `want`, or `waitMs` after the call. */
  async until(have: () => number, want: number, waitMs = RECEIVE_FILL_WAIT_MS): Promise<void> {
    const end = performance.now() + waitMs;
    for (let left = waitMs; have() < want && left > 0; left = end - performance.now()) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.#wake = null;
          resolve();
        }, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}
