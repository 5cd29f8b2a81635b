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
import type { SealBurst } from '../session/sealBurst';

/** One chunk's reads (see the file comment). */
export class ChunkReads {
  readonly #devices = new Map<string, ProtocolAddress[]>();
  readonly #heads = new Map<string, ListHead | null>();

  /** `burst`: the send turn's seal burst, which the chunk's envelopes are sealed under where it covers their device. */
  constructor(private readonly store: LocalStore, readonly burst?: SealBurst) {}

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
