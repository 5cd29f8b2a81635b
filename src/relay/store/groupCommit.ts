/**
 * Group commit: requests arriving in the same event-loop turn share one
 * transaction, flushed on setImmediate. Each caller still resolves only after
 * the commit that contains its request.
 */
export class GroupCommit<T, R> {
  private queue: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  private scheduled = false;

  /** `run` executes every item inside one transaction and returns one result per item. */
  constructor(private readonly run: (items: readonly T[]) => R[]) {}

  submit(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const batch = this.queue;
    this.queue = [];
    this.scheduled = false;
    let results: R[];
    try {
      results = this.run(batch.map((b) => b.item));
    } catch {
      // One bad request must not fail the others: retry each in its own transaction.
      for (const b of batch) {
        try {
          b.resolve(this.run([b.item])[0]!);
        } catch (e) {
          b.reject(e);
        }
      }
      return;
    }
    batch.forEach((b, i) => b.resolve(results[i]!));
  }
}

/**
 * The asynchronous form for a networked database: while one batch is in
 * flight, new requests gather and go together in the next one.
 */
export class AsyncGroupCommit<T, R> {
  private queue: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  private running = false;

  constructor(private readonly run: (items: readonly T[]) => Promise<R[]>) {}

  submit(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.running) {
        this.running = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        const results = await this.run(batch.map((b) => b.item));
        batch.forEach((b, i) => b.resolve(results[i]!));
      } catch {
        for (const b of batch) {
          try {
            b.resolve((await this.run([b.item]))[0]!);
          } catch (e) {
            b.reject(e);
          }
        }
      }
    }
    this.running = false;
  }
}
