/**
 * Whether a receive batch's owed delivery receipts go now or stay owed for
 * a later round (one receipt per sender for many batches, during a
 * catch-up). A batch holds them while more envelopes are known to follow:
 * some already wait in the receive queue, or the relay's backlog count says
 * more are queued than were handled (the relay pushes its next window only
 * after a batch's ack, so between windows the queue alone is empty). A hold
 * lasts at most RECEIPT_HOLD_MS from its first batch: then what is owed
 * goes without waiting for another batch, so a sender sees "delivered"
 * within that time during a long catch-up, and also when the relay's count
 * was off or the connection was lost. Held receipts are owed rows in the
 * store, so a crash only delays them.
 */
import { RECEIPT_HOLD_MS } from '../../shared/constants';

/** Decides, batch by batch, whether owed receipts go now or are held (see the file comment). */
export class ReceiptHold {
  #timer: NodeJS.Timeout | null = null;

  /** `release` sends what is owed (called when a hold reaches RECEIPT_HOLD_MS). */
  constructor(private readonly release: () => void, private readonly holdMs = RECEIPT_HOLD_MS) {}

  /** After a batch's commit: `owed` (the batch owes receipts), `more` (more envelopes are known to follow). True: send the owed receipts now. */
  decide(owed: boolean, more: boolean): boolean {
    if (!owed && !this.holding) return false;
    if (!more) {
      this.stop();
      return true;
    }
    this.#timer ??= setTimeout(() => {
      this.#timer = null;
      this.release();
    }, this.holdMs);
    this.#timer.unref();
    return false;
  }

  /** Whether receipts are held now. */
  get holding(): boolean {
    return this.#timer !== null;
  }

  /** Ends the hold without sending (the profile closes: what is held stays owed in the store, sent on the next connection). */
  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
