/**
 * What a text send reads before it commits (the contact may be sent to, the
 * conversation's timer, its recipient devices), kept per conversation until
 * a table those reads depend on changes (store/tableWatch.ts): contacts,
 * the timer column of conversations (not `last_message_at`, which every
 * message bumps), groups, contact devices and our own devices. Why: read
 * fresh, they were one read transaction of five statements per send
 * (≈ 25–40 µs, docs/BENCHMARKS.md fifth round); a burst of texts, or the
 * next text in the same conversation, now reads them once. Reads made
 * inside a transaction are used but not kept (tableWatch.ts).
 */
import { SEND_READS_CACHE_CONVERSATIONS } from '../../shared/constants';
import type { ProtocolAddress } from '../protocol';
import type { LocalStore } from '../store';
import { TableWatch, WatchedCache } from '../store/tableWatch';

/** What a send read before it commits: the conversation's timer, and its recipient devices (null for a group). */
export interface SendReads {
  readonly timer: number | null;
  readonly recipients: readonly ProtocolAddress[] | null;
}

/** Every table (or column) a send's reads depend on. */
const TABLES = ['contacts', 'conversations.expire_timer_ms', 'groups', 'contact_devices', 'own_devices'];

/** The send reads of each conversation, read again once one of TABLES changes. */
export class SendReadsCache {
  readonly #cache: WatchedCache<string, SendReads>;

  constructor(store: LocalStore) {
    this.#cache = new WatchedCache(store.db, TableWatch.of(store.db, TABLES), TABLES, SEND_READS_CACHE_CONVERSATIONS);
  }

  /** The reads of `conversationId`: kept ones while nothing they depend on changed, else `read()` (whose throw is not kept). */
  get(conversationId: string, read: () => SendReads): SendReads {
    return this.#cache.get(conversationId, read);
  }
}
