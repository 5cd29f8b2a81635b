/**
 * Reads over the store's change tracking (schema v4): a monotonically
 * increasing counter bumped by every write to messages, reactions and the
 * account-level state, and a log of (counter value, message id) per write
 * to a message or its reactions (store v20). A changed id that is no longer
 * in messages (or has expired) is a tombstone. Consumers keep their own
 * cursor (a counter value) and ask for what changed after it.
 */
import { CHANGE_LOG_COMPACT_SLACK, SNAPSHOT_CHUNK_MESSAGES } from '../../shared/constants';
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
 * chunks of at most `chunkSize` ids, each id once per run (at its first log
 * entry in the range, with its current value: store v20 logs every change).
 * Each chunk is one keyset query on (seq, id); an id that changed again
 * after `upToSeq` is reported with its current value by this run and again
 * by the next (imports are idempotent).
 */
export function* exportChanges(store: LocalStore, afterSeq: number, upToSeq: number,
  opts: { chunkSize?: number; now?: number } = {}): Generator<ChangeChunk> {
  const limit = opts.chunkSize ?? SNAPSHOT_CHUNK_MESSAGES;
  let after: { seq: number; id?: string } = { seq: afterSeq };
  const seen = new Set<string>();
  for (;;) {
    const now = opts.now ?? Date.now();
    const changed = store.snapshot.changedIds(after, upToSeq, limit);
    if (changed.length === 0) return;
    after = changed[changed.length - 1]!;
    const records: MessageRecord[] = [];
    const tombstones: string[] = [];
    for (const c of changed) {
      if (seen.has(c.id)) continue;
      seen.add(c.id);
      const row = store.snapshot.message(c.id);
      if (!row || isExpired(row.expires_at, now)) tombstones.push(c.id);
      else records.push(toMessageRecord(store, row));
    }
    if (records.length > 0 || tombstones.length > 0) yield { records, tombstones };
    if (changed.length < limit) return;
  }
}

/** True if any message changed in (afterSeq, upToSeq]. */
export function hasMessageChanges(store: LocalStore, afterSeq: number, upToSeq: number): boolean {
  return store.snapshot.hasChanges(afterSeq, upToSeq);
}

/** Forgets every change at or below `upToSeq` once the (single) consumer has them: the log then holds only what changed since. Returns how many entries. */
export function pruneChanges(store: LocalStore, upToSeq: number): number {
  return store.snapshot.pruneChanges(upToSeq);
}

/** A local setting (never synced): the log's size after its last compaction, so a restart does not compact again what is compact already. */
export const COMPACTED_SIZE_SETTING = 'changes.compactedSize';

/**
 * Keeps the change log bounded where no backup prunes it (a device that is
 * not the backup writer, or a writer whose backups keep failing): once it
 * grew by CHANGE_LOG_COMPACT_SLACK entries since the last compaction, only
 * each id's latest entry is kept. That is exactly what message_changes
 * held before store v20 (one row per id), so every run still reports every
 * id whose latest change is in its range. Returns how many were dropped.
 */
export function compactChanges(store: LocalStore): number {
  const threshold = Number(store.directory.setting(COMPACTED_SIZE_SETTING) ?? 0) + CHANGE_LOG_COMPACT_SLACK;
  // Each counter bump appends at most one entry: until enough bumps since the last count could reach the threshold, no count (a scan of the whole log) is needed.
  const seq = store.snapshot.changeSeq();
  const last = counted.get(store);
  if (last && last.size + (seq - last.seq) < threshold) return 0;
  const size = store.snapshot.changeLogSize();
  counted.set(store, { seq, size });
  if (size < threshold) return 0;
  return store.db.transaction(() => {
    const dropped = store.snapshot.compactChanges();
    store.directory.setSetting(COMPACTED_SIZE_SETTING, String(size - dropped));
    counted.set(store, { seq: store.snapshot.changeSeq(), size: size - dropped });
    return dropped;
  })();
}

/** Per store: the log's size at the counter value it was last counted at (upkeep ticks in between skip the count). */
const counted = new WeakMap<LocalStore, { readonly seq: number; readonly size: number }>();
