/** The disappearing-message timer: deletes expired messages (and, by trigger, their FTS rows) in bounded batches. */
import { STORE_EXPIRY_BATCH, STORE_EXPIRY_INTERVAL_MS } from '../../shared/constants';
import type { MessageRepo } from './messages';

/** Runs the disappearing-message deletion every STORE_EXPIRY_INTERVAL_MS and reports how many messages went. */
export class ExpiryTimer {
  #timer: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly messages: MessageRepo, private readonly clock: () => number = Date.now,
    private readonly onExpired: (count: number) => void = () => {}) {}

  /** Deletes everything already expired, batch by batch; returns the count. */
  tick(): number {
    let total = 0;
    for (;;) {
      const n = this.messages.expire(this.clock());
      total += n;
      if (n < STORE_EXPIRY_BATCH) break;
    }
    if (total > 0) this.onExpired(total);
    return total;
  }

  start(intervalMs = STORE_EXPIRY_INTERVAL_MS): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.tick(), intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}
