/**
 * What every send of one chunk (conversations/outgoing.ts commitSends)
 * reads alike, read once per chunk: a conversation's current recipient
 * devices and an account's device-list head. Nothing in a chunk's
 * transaction records devices or lists, so each stays what it was at the
 * chunk's first read; a fresh ChunkReads is made per chunk.
 */
import type { ProtocolAddress } from '../protocol';
import type { LocalStore } from '../store';
import type { ListHead } from '../store/listHeads';

/** One chunk's reads (see the file comment). */
export class ChunkReads {
  readonly #devices = new Map<string, ProtocolAddress[]>();
  readonly #heads = new Map<string, ListHead | null>();

  constructor(private readonly store: LocalStore) {}

  /** The conversation's current recipients: `read` the first time in this chunk, then the same. */
  devices(conversation: string, read: () => ProtocolAddress[]): ProtocolAddress[] {
    let r = this.#devices.get(conversation);
    if (!r) this.#devices.set(conversation, (r = read()));
    return r;
  }

  /** The account's list head, read once in this chunk. */
  head(accountId: string): ListHead | null {
    let h = this.#heads.get(accountId);
    if (h === undefined) this.#heads.set(accountId, (h = this.store.listHeads.get(accountId)));
    return h;
  }
}
