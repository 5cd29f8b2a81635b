/**
 * One queue per key (a peer device address): work on one address runs one
 * item at a time, in arrival order, while different addresses run freely.
 * This is what keeps a bundle fetch on the send path and a decrypt on the
 * receive path from interleaving on the same session (issue: a session made
 * during a fetch was overwritten). Not a global lock: a slow fetch for one
 * device never holds up another device's messages.
 */
export class AddressQueue {
  readonly #tails = new Map<string, Promise<void>>();

  /** Runs `fn` after every earlier item for `key` has settled; resolves or rejects with `fn`'s outcome. */
  run<T>(key: string, fn: () => Promise<T> | T): Promise<T> {
    return this.runAll([key], fn);
  }

  /**
   * Runs `fn` holding every key at once (deduplicated, taken in sorted order
   * so two multi-key items cannot deadlock). An item never re-enters a key
   * it holds: callers queue follow-up work after it settles.
   */
  runAll<T>(keys: readonly string[], fn: () => Promise<T> | T): Promise<T> {
    const unique = [...new Set(keys)].sort();
    const before = unique.map((k) => this.#tails.get(k) ?? Promise.resolve());
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    for (const k of unique) this.#tails.set(k, held);
    const result = Promise.all(before).then(() => fn());
    void result.then(release, release).finally(() => {
      for (const k of unique) if (this.#tails.get(k) === held) this.#tails.delete(k);
    });
    return result;
  }

  /** Keys with work queued or running (tests and health checks). */
  get busy(): number {
    return this.#tails.size;
  }
}
