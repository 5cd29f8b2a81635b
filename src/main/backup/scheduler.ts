/**
 * Automatic backups: a run starts BACKUP_DEBOUNCE_MS after the last change
 * (so a burst makes one segment), at the latest BACKUP_MAX_WAIT_MS after the
 * first unsaved change, and never sooner than BACKUP_MIN_INTERVAL_MS after
 * the previous run started (also the retry wait after a failure). Changes
 * are noticed by polling the store's change counter (BACKUP_POLL_MS), or
 * sooner through notifyChange(). Timers are unref'd; nothing is thrown into
 * the caller: a failure is recorded as status 'failed' with its code.
 */
import { BACKUP_DEBOUNCE_MS, BACKUP_MAX_WAIT_MS, BACKUP_MIN_INTERVAL_MS, BACKUP_POLL_MS } from '../../shared/constants';
import { isParleyError } from '../../shared/errors';
import type { LocalStore } from '../store';
import { currentChangeSeq } from '../snapshot/changes';
import { recordBackupFailure, runBackup, type BackupResult } from './backup';
import type { BackupKeySource } from './keys';

/** The scheduler's waits (debounce, latest start, minimum spacing, poll); tests shorten them. */
export interface SchedulerTiming {
  readonly debounceMs: number;
  readonly maxWaitMs: number;
  readonly minIntervalMs: number;
  readonly pollMs: number;
}

/** The result of one scheduled or manual run: what it wrote, or the error code it recorded. */
export type ScheduledOutcome = { readonly ok: true; readonly result: BackupResult } | { readonly ok: false; readonly code: string };

/** What the scheduler runs backups with, and the timing and clock tests may replace. */
export interface BackupSchedulerOptions {
  readonly store: LocalStore;
  /** Borrowed: the scheduler never disposes them; stop() before the caller does. */
  readonly keys: BackupKeySource;
  /** The relay's HTTP base, read at each run (the relay setting may change). */
  readonly httpUrl: string | (() => string);
  readonly timing?: Partial<SchedulerTiming> | undefined;
  readonly clock?: (() => number) | undefined;
  /** Called after each run; an exception in it is swallowed. */
  readonly onRun?: ((outcome: ScheduledOutcome) => void) | undefined;
  /** This device is the account's designated backup writer: it may replace a backup another device wrote. */
  readonly replaceForeign?: boolean | undefined;
}

/** Runs backups automatically after changes (see the timing above) and on request, one run at a time. */
export class BackupScheduler {
  readonly #o: BackupSchedulerOptions;
  readonly #t: SchedulerTiming;
  readonly #clock: () => number;
  #started = false;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #poll: ReturnType<typeof setInterval> | null = null;
  #lastSeq: number | null = null;
  #firstChangeAt: number | null = null;
  #lastChangeAt = 0;
  #lastRunAt: number | null = null;
  #running: Promise<ScheduledOutcome> | null = null;

  constructor(o: BackupSchedulerOptions) {
    this.#o = o;
    this.#t = {
      debounceMs: o.timing?.debounceMs ?? BACKUP_DEBOUNCE_MS, maxWaitMs: o.timing?.maxWaitMs ?? BACKUP_MAX_WAIT_MS,
      minIntervalMs: o.timing?.minIntervalMs ?? BACKUP_MIN_INTERVAL_MS, pollMs: o.timing?.pollMs ?? BACKUP_POLL_MS,
    };
    this.#clock = o.clock ?? Date.now;
  }

  /** Starts watching for changes; anything changed since the last confirmed backup is picked up by the first run. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#poll = setInterval(() => this.#checkCounter(), this.#t.pollMs);
    this.#poll.unref();
    this.notifyChange();
  }

  /** Stops the timers and waits for a run in progress. */
  async stop(): Promise<void> {
    this.#started = false;
    if (this.#poll) clearInterval(this.#poll);
    if (this.#timer) clearTimeout(this.#timer);
    this.#poll = this.#timer = null;
    await this.#running;
  }

  /** Tells the scheduler that something changed (optional: the poll notices changes too). */
  notifyChange(): void {
    const now = this.#clock();
    this.#firstChangeAt ??= now;
    this.#lastChangeAt = now;
    this.#arm();
  }

  /** Runs a backup now (waiting for one in progress first); never throws. */
  async runNow(): Promise<ScheduledOutcome> {
    if (this.#running) await this.#running;
    return this.#run();
  }

  get running(): boolean {
    return this.#running !== null;
  }

  #checkCounter(): void {
    let seq: number;
    try {
      seq = currentChangeSeq(this.#o.store);
    } catch {
      return; // the store is closing; stop() follows
    }
    if (this.#lastSeq !== null && seq !== this.#lastSeq) this.notifyChange();
    this.#lastSeq = seq;
  }

  /** When the pending change is due: debounced, capped by the max wait, and spaced by the min interval. */
  #dueAt(): number {
    const debounced = Math.min(this.#lastChangeAt + this.#t.debounceMs, (this.#firstChangeAt ?? this.#lastChangeAt) + this.#t.maxWaitMs);
    return this.#lastRunAt === null ? debounced : Math.max(debounced, this.#lastRunAt + this.#t.minIntervalMs);
  }

  #arm(): void {
    if (!this.#started || this.#firstChangeAt === null || this.#running) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#run();
    }, Math.max(0, this.#dueAt() - this.#clock()));
    this.#timer.unref();
  }

  async #run(): Promise<ScheduledOutcome> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const pendingSince = this.#firstChangeAt;
    this.#firstChangeAt = null;
    this.#lastRunAt = this.#clock();
    const store = this.#o.store;
    const run = (async (): Promise<ScheduledOutcome> => {
      try {
        this.#lastSeq = currentChangeSeq(store);
        const httpUrl = typeof this.#o.httpUrl === 'function' ? this.#o.httpUrl() : this.#o.httpUrl;
        return { ok: true, result: await runBackup({ httpUrl, keys: this.#o.keys, store, clock: this.#clock, replaceForeign: this.#o.replaceForeign }) };
      } catch (e) {
        const code = isParleyError(e) ? e.code : 'BACKUP_FAILED';
        try {
          recordBackupFailure(store, code);
        } catch {
          /* the store closed under us */
        }
        // Retry after the debounce and the min interval: the unsaved changes are still pending.
        this.#firstChangeAt ??= pendingSince ?? this.#clock();
        this.#lastChangeAt = this.#clock();
        return { ok: false, code };
      }
    })();
    this.#running = run;
    const outcome = await run;
    this.#running = null;
    try {
      this.#o.onRun?.(outcome);
    } catch {
      /* a listener's failure is not the scheduler's */
    }
    this.#arm();
    return outcome;
  }
}
