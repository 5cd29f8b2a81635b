/**
 * Seal bursts (docs/protocol.md §4.1.2): one send turn's envelopes to one
 * device share an ephemeral key, as version 4 envelopes with one entry.
 *
 * A burst of sends (a script, a bot, a paste of many lines, the texts
 * queued while offline going out at once) sealed every envelope to a
 * device with its own ephemeral key: an X25519 key pair and a DH for the
 * sender, and a DH for the recipient, per envelope. Within one turn of
 * sends, a device that gets two or more envelopes gets them under one key
 * E instead: the first envelope to it pays the pair and the DH (a pair the
 * worker made ahead when one is ready, sealAhead.ts), derives the version 4
 * entry keys (wrap, auth: sealEpochs.ts) and zeroes the DH; every envelope
 * is then a one-entry version 4 upload under fresh N and M (multiSeal.ts
 * sealOne), so no (key, input) pair repeats and the zero nonce stays safe.
 * The recipient opens them as any version 4 envelope and keeps the DH per E
 * (openCache.ts): one DH per burst on both sides.
 *
 * What it costs: the envelopes of one turn to one device are linkable to
 * one (unnamed) sender by their shared E; they reach the relay in the same
 * frames at the same moment from the same connection, which links them
 * already. The keys live from the turn's first seal to its end (end()
 * zeroes them), and at most SEAL_BURST_MAX_ENVELOPES envelopes share one
 * (a new one also if the sending device key changed meanwhile).
 * A device with one envelope in the turn gets a version 2 envelope as
 * before (burst() leaves it out).
 */
import sodium from 'libsodium-wrappers-sumo';
import { SEAL_BURST_MAX_ENVELOPES } from '../../shared/constants';
import { ContentHint, staticPair, type EnvelopeKind, type SealSender } from './sealedCore';
import { entryKeys, type EntryKeys } from './sealEpochs';
import { sealOne } from './multiSeal';
import { freshSealKey } from './sealAhead';

interface BurstKey {
  /** The sending device key the entry keys were derived with (auth depends on it). */
  readonly sender: Uint8Array;
  readonly E: Uint8Array;
  readonly keys: EntryKeys;
  sealed: number;
}

/** One send turn's shared seal keys, per recipient device that gets two or more of its envelopes. */
export class SealBurst {
  /** Device ids (base64url of the Ed25519 key) with two or more envelopes in the turn. */
  readonly #devices: ReadonlySet<string>;
  readonly #keys = new Map<string, BurstKey>();
  readonly #sender: () => SealSender;
  #ended = false;

  /** `deviceIds`: the turn's recipient device of each envelope, repeats included. */
  constructor(deviceIds: readonly string[], sender: () => SealSender) {
    const seen = new Set<string>();
    const twice = new Set<string>();
    for (const id of deviceIds) (seen.has(id) ? twice : seen).add(id);
    this.#devices = twice;
    this.#sender = sender;
  }

  /** Whether envelopes to this device go under the burst's shared key (its sealing pairs are not made ahead per envelope). */
  covers(deviceId: string): boolean {
    return !this.#ended && this.#devices.has(deviceId);
  }

  /** The envelope under the device's burst key, or null when the burst does not cover the device (the caller seals version 2). */
  seal(deviceId: string, deviceKey: Uint8Array, kind: EnvelopeKind, message: Uint8Array, hint: ContentHint = ContentHint.placeholder): Uint8Array | null {
    if (!this.covers(deviceId)) return null;
    const sender = this.#sender();
    let k = this.#keys.get(deviceId);
    if (k && (k.sealed >= SEAL_BURST_MAX_ENVELOPES || !sodium.memcmp(k.sender, sender.deviceKey))) {
      zero(k);
      k = undefined;
    }
    if (!k) this.#keys.set(deviceId, (k = open(sender, deviceId, deviceKey)));
    k.sealed++;
    return sealOne(k.E, k.keys, sender, kind, message, hint);
  }

  /** Ends the burst: every key zeroed; later seals are version 2. */
  end(): void {
    this.#ended = true;
    for (const k of this.#keys.values()) zero(k);
    this.#keys.clear();
  }
}

/** A new key for one device: a pair the worker made ahead if one is ready, else one made here; the DH is zeroed once the entry keys are derived. */
function open(sender: SealSender, deviceId: string, deviceKey: Uint8Array): BurstKey {
  const pair = staticPair(sender.deviceKey, sender.x25519PrivateKey, deviceKey, deviceId);
  const { E, shared } = freshSealKey(pair, deviceKey, deviceId);
  return { sender: sender.deviceKey, E, keys: entryKeys(shared, E, pair), sealed: 0 };
}

function zero(k: BurstKey): void {
  sodium.memzero(k.keys.wrap);
  sodium.memzero(k.keys.auth);
}
