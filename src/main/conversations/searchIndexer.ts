/**
 * The search index filled in idle time (store/searchIndex.ts): messages are
 * committed without their FTS rows, and this moves them into the index a
 * chunk (SEARCH_INDEX_CHUNK) per transaction, one chunk per event-loop turn,
 * while the receive queue is idle — so a catch-up or a burst of sends does
 * not pay for the index while people wait, and a batch that arrives
 * meanwhile waits for at most one chunk. The conversations service kicks it
 * on its upkeep tick (also right after open: rows a crash left pending are
 * indexed then). Search never depends on it: it indexes what is pending
 * first. A failure is audited and tried again on the next tick. Once the
 * index is drained, still idle, it checkpoints the WAL (PASSIVE): the
 * automatic checkpoint's threshold is high (STORE_WAL_AUTOCHECKPOINT_PAGES)
 * so that bursts do not pay for it, and idle time does it instead.
 */
import { SEARCH_INDEX_CHUNK } from '../../shared/constants';
import type { LocalStore } from '../store';
import type { AuditSink } from '../session/sessionLayer';
import { errorCode } from './outgoing';

/** Indexes pending messages, then checkpoints, while `busy` says nothing else waits (see the file comment). */
export class IdleIndexer {
  #running = false;

  constructor(
    private readonly store: LocalStore,
    private readonly busy: () => boolean,
    private readonly audit: AuditSink,
  ) {}

  /** Starts indexing when idle and something is pending; goes on chunk by chunk, one per turn, while idle. */
  kick(): void {
    if (this.#running) return;
    this.#running = true;
    const step = (): void => {
      try {
        if (this.store.db.open && !this.busy() && this.store.searchIndex.indexSome() === SEARCH_INDEX_CHUNK) {
          setImmediate(step);
          return;
        }
      } catch (e) {
        this.audit('search.index_failed', { reason: errorCode(e) });
        this.#running = false;
        return;
      }
      try {
        if (this.store.db.open && !this.busy()) this.store.checkpointIdle();
      } catch (e) {
        this.audit('store.checkpoint_failed', { reason: errorCode(e) }); // the WAL stays until the next idle tick or the close
      }
      this.#running = false;
    };
    step();
  }
}
