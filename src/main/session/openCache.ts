/**
 * What a recipient keeps to open version 4 envelopes (multiSeal.ts,
 * docs/protocol.md §4.1.1) without repeating the epoch's X25519: per
 * (sender's epoch key E, own key R), a = X25519(r, E) and the wrap key
 * derived from it. A sender seals up to SEAL_EPOCH_MAX_UPLOADS uploads
 * under one E (and a burst of 1:1 sends up to SEAL_BURST_MAX_ENVELOPES to
 * one device, sealBurst.ts), so a catch-up of a busy group or of a burst
 * pays one DH per epoch instead of one per envelope.
 *
 * These values open every envelope of that epoch to this device: they are
 * exactly as secret as the epoch's key wraps, live in memory only, are
 * bounded by SEAL_OPEN_CACHE_ENTRIES (least recently used zeroed first), are
 * kept only after an envelope under E authenticated, and are zeroed when the profile closes (SessionLayer.forgetSealEpochs). The
 * sender authentication (t_i) is still checked per envelope: it depends on
 * the sender device named inside the body, which the cache does not assume.
 */
import sodium from 'libsodium-wrappers-sumo';
import { SEAL_OPEN_CACHE_ENTRIES } from '../../shared/constants';
import { toBase64Url } from '../../shared/wire/encoding';

/** One epoch's opening values for one own key: the DH with E and the wrap key it gives. */
export interface OpenEntry {
  readonly a: Uint8Array;
  readonly wrap: Uint8Array;
}

/** The bounded, zeroing cache of epoch opening values. */
export class OpenCache {
  readonly #entries = new Map<string, OpenEntry>();
  readonly #max: number;

  constructor(max = SEAL_OPEN_CACHE_ENTRIES) {
    this.#max = max;
  }

  /** The entry for (E, R), if kept; a hit becomes the most recently used. */
  find(E: Uint8Array, R: Uint8Array): OpenEntry | undefined {
    const id = key(E, R);
    const hit = this.#entries.get(id);
    if (hit) {
      this.#entries.delete(id);
      this.#entries.set(id, hit);
    }
    return hit;
  }

  /**
   * Keeps `entry` for (E, R). Called only once an envelope under E opened and
   * authenticated, so envelopes a relay makes up with fresh keys cost their
   * DH but cannot push real epochs out.
   */
  keep(E: Uint8Array, R: Uint8Array, entry: OpenEntry): void {
    const id = key(E, R);
    const old = this.#entries.get(id);
    if (old === entry) return;
    if (old) {
      zero(old);
      this.#entries.delete(id);
    } else if (this.#entries.size >= this.#max) {
      const [oldest, first] = this.#entries.entries().next().value!;
      zero(first);
      this.#entries.delete(oldest);
    }
    this.#entries.set(id, entry);
  }

  /** Entries held now. */
  get size(): number {
    return this.#entries.size;
  }

  /** Zeroes and forgets every entry (the profile closes or is wiped). */
  clear(): void {
    for (const e of this.#entries.values()) zero(e);
    this.#entries.clear();
  }
}

const key = (E: Uint8Array, R: Uint8Array): string => `${toBase64Url(E)}.${toBase64Url(R)}`;

function zero(e: OpenEntry): void {
  sodium.memzero(e.a);
  sodium.memzero(e.wrap);
}
