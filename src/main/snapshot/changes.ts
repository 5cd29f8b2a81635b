/**
 * Reads over the store's change tracking (schema v4): a monotonically
 * increasing counter bumped by every write to messages, reactions and the
 * account-level state, and per message id the counter value of its last
 * change. A changed id that is no longer in messages (or has expired) is a
 * tombstone. Consumers keep their own cursor (a counter value) and ask for
 * what changed after it.
 */
import { SNAPSHOT_CHUNK_MESSAGES } from '../../shared/constants';
import type { LocalStore } from '../store';
import { isExpired, toMessageRecord, type MessageRecord } from './snapshot';

/** The store's change counter now: any write to tracked data makes it larger. */
export function currentChangeSeq(store: LocalStore): number {
  return store.snapshot.changeSeq();
}

/** One chunk of changed messages and deleted ids. */
export interface ChangeChunk {
  /** Messages changed in the range that still exist, with their current values. */
  readonly records: MessageRecord[];
  /** Ids changed in the range that were deleted or have expired. */
  readonly tombstones: string[];
}

/**
 * Everything that changed in (afterSeq, upToSeq], oldest change first, in
 * chunks of at most `chunkSize` ids. Each chunk is one keyset query; an id
 * changed again after `upToSeq` moves past the range and is left for the
 * next consumer run, which is what makes a stored cursor exact.
 */
export function* exportChanges(store: LocalStore, afterSeq: number, upToSeq: number,
  opts: { chunkSize?: number; now?: number } = {}): Generator<ChangeChunk> {
  const limit = opts.chunkSize ?? SNAPSHOT_CHUNK_MESSAGES;
  let after = afterSeq;
  for (;;) {
    const now = opts.now ?? Date.now();
    const changed = store.snapshot.changedIds(after, upToSeq, limit);
    if (changed.length === 0) return;
    after = changed[changed.length - 1]!.seq;
    const records: MessageRecord[] = [];
    const tombstones: string[] = [];
    for (const c of changed) {
      const row = store.snapshot.message(c.id);
      if (!row || isExpired(row.expires_at, now)) tombstones.push(c.id);
      else records.push(toMessageRecord(store, row));
    }
    yield { records, tombstones };
    if (changed.length < limit) return;
  }
}

/** True if any message changed in (afterSeq, upToSeq]. */
export function hasMessageChanges(store: LocalStore, afterSeq: number, upToSeq: number): boolean {
  return store.snapshot.hasChanges(afterSeq, upToSeq);
}

/** Forgets every change at or below `upToSeq` once the (single) consumer has them: the table then holds only what changed since. Returns how many. */
export function pruneChanges(store: LocalStore, upToSeq: number): number {
  return store.snapshot.pruneChanges(upToSeq);
}
