/**
 * In-memory token buckets (rate-limit state is never persisted). The map is
 * bounded: full buckets carry no information and are dropped first.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly size: number,
    private readonly refillMs: number,
    private readonly maxKeys = 100_000,
  ) {}

  /** Takes `n` tokens for `key` if available; false (and nothing taken) otherwise. */
  take(key: string, n = 1, now = Date.now()): boolean {
    const b = this.buckets.get(key) ?? { tokens: this.size, at: now };
    const refilled = Math.min(this.size, b.tokens + (now - b.at) / this.refillMs);
    if (refilled < n) {
      this.buckets.set(key, { tokens: refilled, at: now });
      return false;
    }
    if (!this.buckets.has(key) && this.buckets.size >= this.maxKeys) this.sweep(now);
    this.buckets.set(key, { tokens: refilled - n, at: now });
    return true;
  }

  get trackedKeys(): number {
    return this.buckets.size;
  }

  private sweep(now: number): void {
    for (const [k, b] of this.buckets) if (b.tokens + (now - b.at) / this.refillMs >= this.size) this.buckets.delete(k);
    if (this.buckets.size >= this.maxKeys) {
      const first = this.buckets.keys().next();
      if (!first.done) this.buckets.delete(first.value);
    }
  }
}
