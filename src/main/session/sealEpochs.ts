/**
 * Ephemeral-key epochs for multi-recipient seals (docs/protocol.md §4.1.1).
 * A sender keeps one ephemeral X25519 key e per scope (a group) for an
 * epoch and caches, per recipient device, the two entry keys the epoch's
 * DH gives it:
 *
 *   a_i    = X25519(e, R_i)          s_i = X25519(S, R_i)   (sealedCore's static cache)
 *   wrap_i = BLAKE2b-256(key = a_i, "Parley-v4 wrap key" ‖ E ‖ R_i)
 *   auth_i = BLAKE2b-256(key = a_i ‖ s_i, "Parley-v4 auth key" ‖ E ‖ R_i)
 *
 * so a warm upload costs two keyed hashes per recipient (multiSeal.ts), not
 * an X25519. The recipient derives the same keys with one DH per envelope
 * and keeps nothing. An epoch ends (its keys zeroed, a new e drawn) when it
 * is SEAL_EPOCH_MAX_AGE_MS old or has sealed SEAL_EPOCH_MAX_UPLOADS uploads,
 * when the sending device key changes, and when an upload's recipients
 * leave out a device the epoch has sealed to: a removed member or revoked
 * device, which knows E, must not recognise (or hold a key for) anything
 * sealed after it left. Devices added to the set join the epoch. The cache
 * lives in memory only (the profile's SessionLayer owns one) and forget()
 * zeroes it when the profile closes; e is a node:crypto KeyObject, which
 * OpenSSL frees (and clears) when it is collected: dropping the reference
 * is all JS can do.
 */
import { createPublicKey, diffieHellman, type KeyObject } from 'node:crypto';
import sodium from 'libsodium-wrappers-sumo';
import { SEAL_EPOCH_MAX_AGE_MS, SEAL_EPOCH_MAX_SCOPES, SEAL_EPOCH_MAX_UPLOADS, SEALED_STATIC_CACHE_ENTRIES } from '../../shared/constants';
import { toBase64Url, utf8Bytes } from '../../shared/wire/encoding';
import { ephemeralX25519 } from '../crypto/nativeX25519';
import { keyedHash } from '../protocol/sodiumDirect';
import { SealedSenderError, staticPair, type SealSender } from './sealedCore';

const INFO_WRAP_KEY = utf8Bytes('Parley-v4 wrap key');
const INFO_AUTH_KEY = utf8Bytes('Parley-v4 auth key');

/** One recipient's keys in an epoch: its X25519 key R_i and the two entry keys. */
export interface EntryKeys {
  readonly peer: Uint8Array;
  readonly wrap: Uint8Array;
  readonly auth: Uint8Array;
}

/** What one upload seals with: the epoch's public key E and each recipient's entry keys, in the order asked. */
export interface UploadKeys {
  readonly E: Uint8Array;
  readonly keys: readonly EntryKeys[];
}

interface Epoch {
  readonly sender: string;
  readonly privateKey: KeyObject;
  readonly E: Uint8Array;
  readonly opened: number;
  uploads: number;
  /** Every device this epoch has sealed to, by its id (base64url of its key). */
  readonly keys: Map<string, EntryKeys>;
}

/** The wrap key from a = X25519(e, R) (sender) or X25519(r, E) (recipient). */
export const wrapKey = (a: Uint8Array, E: Uint8Array, R: Uint8Array): Uint8Array => keyedHash(a, 32, INFO_WRAP_KEY, E, R);

/** The auth key from a and the static s = X25519(S, R): only the sender device (or the recipient) can compute it. */
export function authKey(a: Uint8Array, s: Uint8Array, E: Uint8Array, R: Uint8Array): Uint8Array {
  const k = new Uint8Array(64);
  k.set(a);
  k.set(s, 32);
  const out = keyedHash(k, 32, INFO_AUTH_KEY, E, R);
  sodium.memzero(k);
  return out;
}

/** One recipient's entry keys under `E`, from the DH `a` with it (zeroed here) and the static pair with it. */
export function entryKeys(a: Uint8Array, E: Uint8Array, pair: { readonly peer: Uint8Array; readonly s: Uint8Array }): EntryKeys {
  const keys = { peer: pair.peer, wrap: wrapKey(a, E, pair.peer), auth: authKey(a, pair.s, E, pair.peer) };
  sodium.memzero(a);
  return keys;
}

/**
 * Recipients' X25519 keys as node:crypto key objects, bounded like the
 * static cache: importing one costs a third of the DH, and a new epoch
 * (hourly, or after a removal) seals to the same devices again.
 */
const peerObjects = new Map<string, KeyObject>();

/** X25519(e, R) on native code with R's cached key object; a low-order R is SEALED_MALFORMED. */
function epochDh(privateKey: KeyObject, peer: Uint8Array): Uint8Array {
  const x = toBase64Url(peer);
  let pub = peerObjects.get(x);
  if (!pub) {
    pub = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x }, format: 'jwk' });
    if (peerObjects.size >= SEALED_STATIC_CACHE_ENTRIES) peerObjects.delete(peerObjects.keys().next().value!);
    peerObjects.set(x, pub);
  }
  let out: Uint8Array;
  try {
    out = new Uint8Array(diffieHellman({ privateKey, publicKey: pub }));
  } catch {
    out = new Uint8Array(32); // OpenSSL refuses an all-zero result itself
  }
  if (out.every((b) => b === 0)) throw new SealedSenderError('SEALED_MALFORMED', 'A recipient device key is a low-order point.');
  return out;
}

function zero(epoch: Epoch): void {
  for (const k of epoch.keys.values()) {
    sodium.memzero(k.wrap);
    sodium.memzero(k.auth);
  }
  epoch.keys.clear();
}

/** The seal epochs of one profile, by scope. */
export class SealEpochs {
  readonly #now: () => number;
  readonly #epochs = new Map<string, Epoch>();

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /**
   * The keys for one upload in `scope` from `sender` to `recipientDeviceKeys`
   * (their Ed25519 keys): the scope's open epoch, or a new one when the
   * current one is over (see the file comment), counting this upload.
   * Returned arrays are the cached ones: use them before the next call.
   */
  upload(scope: string, sender: SealSender, recipientDeviceKeys: readonly Uint8Array[]): UploadKeys {
    const ids = recipientDeviceKeys.map(toBase64Url);
    let epoch = this.#epochs.get(scope);
    if (epoch && this.#over(epoch, toBase64Url(sender.deviceKey), ids)) {
      zero(epoch);
      this.#epochs.delete(scope);
      epoch = undefined;
    }
    if (!epoch) epoch = this.#open(scope, sender);
    else {
      this.#epochs.delete(scope); // re-inserted below: the map's order is least recently used first
      this.#epochs.set(scope, epoch);
    }
    epoch.uploads++;
    const e = epoch;
    const keys = ids.map((id, i) => e.keys.get(id) ?? this.#derive(e, sender, id, recipientDeviceKeys[i]!));
    return { E: epoch.E, keys };
  }

  /** Zeroes and forgets every epoch (the profile closes). */
  forget(): void {
    for (const e of this.#epochs.values()) zero(e);
    this.#epochs.clear();
  }

  /** Scopes with an open epoch. */
  get size(): number {
    return this.#epochs.size;
  }

  #over(epoch: Epoch, sender: string, ids: readonly string[]): boolean {
    const age = this.#now() - epoch.opened;
    if (age < 0 || age >= SEAL_EPOCH_MAX_AGE_MS || epoch.uploads >= SEAL_EPOCH_MAX_UPLOADS || epoch.sender !== sender) return true;
    if (epoch.keys.size > ids.length) return true;
    const now = new Set(ids);
    for (const id of epoch.keys.keys()) if (!now.has(id)) return true;
    return false;
  }

  #open(scope: string, sender: SealSender): Epoch {
    if (this.#epochs.size >= SEAL_EPOCH_MAX_SCOPES) {
      const [oldest, old] = this.#epochs.entries().next().value!;
      zero(old);
      this.#epochs.delete(oldest);
    }
    const eph = ephemeralX25519();
    const epoch: Epoch = { sender: toBase64Url(sender.deviceKey), privateKey: eph.privateKey, E: eph.publicKey, opened: this.#now(), uploads: 0, keys: new Map() };
    this.#epochs.set(scope, epoch);
    return epoch;
  }

  #derive(epoch: Epoch, sender: SealSender, id: string, deviceKey: Uint8Array): EntryKeys {
    const pair = staticPair(sender.deviceKey, sender.x25519PrivateKey, deviceKey);
    const keys = entryKeys(epochDh(epoch.privateKey, pair.peer), epoch.E, pair);
    epoch.keys.set(id, keys);
    return keys;
  }
}
