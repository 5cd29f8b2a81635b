/**
 * The one session layer every path goes through (the app, the CLI, the tests
 * and the benchmarks all drive Messenger, which owns one of these): it sets
 * up sessions from checked bundles, encrypts, seals and decrypts.
 *
 * Serialization: work on one peer device runs one item at a time, across
 * sending and receiving (AddressQueue, keyed by "account.device"). A send
 * holds every recipient's key while it fetches missing bundles and then
 * encrypts and commits; a receive holds the sender's key from the device
 * check through the commit. So a session can no longer appear while a
 * bundle fetch is in flight and then be overwritten: an existing session is
 * archived inside the record (initiateSession), never replaced.
 */
import { createHash } from 'node:crypto';
import { RELAY_SEND_WAIT_MS } from '../../shared/constants';
import { toBase64Url } from '../../shared/wire/encoding';
import { publicKeyFromId } from '../../shared/wire/deviceList';
import {
  addressKey, decryptMessage, HeldRecord, initiateSession, encryptMessage, requiredPreKeys, type Decrypted, type ProtocolAddress,
} from '../protocol';
import { MESSAGE_TYPE_INITIAL } from '../protocol/message';
import { ContentHint, EnvelopeKind, seal } from './sealedSender';
import { sealAhead } from './sealAhead';
import { isParleyError } from '../../shared/errors';
import type { LocalStore } from '../store';
import type { AuditDetail, AuditKind } from '../../shared/audit';
import type { DeviceKeys } from '../account/keys';
import type { RelayLink } from '../relayClient/relayLink';
import { AddressQueue } from './addressQueue';
import { deliverMulti, type MultiDeliveryRequest, type MultiDeliveryResult } from './multiDelivery';
import { SealEpochs } from './sealEpochs';
import { SealBurst } from './sealBurst';
import { OpenCache } from './openCache';
import { checkedBundle } from './bundles';
import { SessionLayerError } from './errors';

/** Records a key-management or session event in the audit log (no secrets, no content). */
export type AuditSink = (kind: AuditKind, detail?: AuditDetail) => void;

/** What the layer needs from the messaging core. */
export interface SessionLayerDeps {
  readonly store: LocalStore;
  /** This device's keys (the account part changes when the phrase rotates). */
  readonly keys: () => DeviceKeys;
  /** Device ids in an account's signed device list, as this client last verified it. */
  readonly listed: (accountId: string) => readonly string[];
  readonly link: RelayLink;
  readonly audit: AuditSink;
  readonly now: () => number;
}

/** One encrypted, sealed envelope for one device, and the digest that names its ratchet message in retry requests. */
export interface SealedFor {
  readonly recipient: string;
  readonly payload: Uint8Array;
  readonly digest: Uint8Array;
}

/** SHA-256 of a ratchet message: the name a retry request and its resend use for it. */
export const messageDigest = (ratchetMessage: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(ratchetMessage).digest());

/** The session layer of one profile. */
export class SessionLayer {
  readonly #queue = new AddressQueue();
  readonly #d: SessionLayerDeps;
  /** Multi-recipient seal epochs: in memory only, zeroed by forgetSealEpochs when the profile closes. */
  readonly #epochs: SealEpochs;
  /** What opens received multi-recipient envelopes without a DH each (openCache.ts): in memory only, zeroed with the epochs. */
  readonly openCache = new OpenCache();

  constructor(deps: SessionLayerDeps) {
    this.#d = deps;
    this.#epochs = new SealEpochs(deps.now);
  }

  /** Runs `fn` while holding every peer in `peers` (sends, receives and repairs on them wait their turn). */
  hold<T>(peers: readonly ProtocolAddress[], fn: () => Promise<T> | T): Promise<T> {
    return this.#queue.runAll(peers.map(addressKey), fn);
  }

  /** True when a current session with the device exists. */
  has(a: ProtocolAddress): boolean {
    return this.#held?.has(addressKey(a)) === true || this.#d.store.protocol.loadSessionSync(a) !== null;
  }

  /**
   * Call while holding `a`. Makes a session with `a` if there is none, or,
   * with `fresh`, archives the current one and starts a new one (repair).
   * Returns false when it cannot now (offline, no bundle, refused bundle):
   * the reason is in the audit log and the caller keeps the work queued.
   */
  async establish(a: ProtocolAddress, opts: { fresh?: boolean } = {}): Promise<boolean> {
    if (!opts.fresh && this.has(a)) return true;
    const client = await this.#d.link.online(RELAY_SEND_WAIT_MS);
    if (!client) return false;
    const address = addressKey(a);
    try {
      const wire = await client.fetchBundle(a.accountId, a.deviceId);
      const bundle = checkedBundle(a, wire, this.#d.listed(a.accountId));
      const p = this.#d.store.protocol;
      const current = p.loadSessionSync(a);
      const record = initiateSession(current, this.#d.keys().identity, bundle, this.#d.now());
      p.storeSessionSync(a, record);
      if (current) this.#d.audit('session.archived', { address, reason: opts.fresh ? 'repair' : 'replaced' });
      this.#d.audit('session.established', { address, role: 'initiator', oneTimePreKey: bundle.oneTimePreKey !== undefined });
      return true;
    } catch (e) {
      // Typed and recorded; the content stays in the resend log / outbox for the next attempt.
      this.#d.audit('session.failed', { address, reason: isParleyError(e) ? e.code : 'UNKNOWN' });
      if (e instanceof SessionLayerError) return false;
      if (isParleyError(e)) return false;
      throw e;
    }
  }

  /**
   * Call while holding `a`, inside the send transaction: advances the
   * session and returns the sealed envelope (null when there is no session),
   * under the send turn's `burst` key when it covers the device.
   */
  encryptFor(a: ProtocolAddress, plaintext: Uint8Array, hint: ContentHint = ContentHint.placeholder, burst?: SealBurst): SealedFor | null {
    const deviceKey = publicKeyFromId(a.deviceId);
    const ciphertext = deviceKey && this.#encrypt(a, plaintext);
    if (!deviceKey || !ciphertext) return null;
    const kind = ciphertext[0] === MESSAGE_TYPE_INITIAL ? EnvelopeKind.prekey : EnvelopeKind.message;
    const payload = burst?.seal(a.deviceId, deviceKey, kind, ciphertext, hint) ?? seal(deviceKey, this.#sender(), kind, ciphertext, hint);
    return { recipient: addressKey(a), payload, digest: messageDigest(ciphertext) };
  }

  /** The ratchet message for `a` (null with no session), its record advanced in the held records (holdRecords) or in the store. */
  #encrypt(a: ProtocolAddress, plaintext: Uint8Array): Uint8Array | null {
    const p = this.#d.store.protocol;
    if (!this.#held) {
      const record = p.loadSessionSync(a);
      if (!record) return null;
      const out = encryptMessage(record, plaintext, this.#d.now());
      p.storeSessionSync(a, out.record);
      return out.ciphertext;
    }
    if (!this.#held.has(addressKey(a)) && !p.loadSessionSync(a)) return null;
    return this.#heldFor(a).record.encrypt(plaintext);
  }

  /** The device's record held while holdRecords runs, parsed from the store on first use (an empty record when there is none). */
  #heldFor(a: ProtocolAddress): { readonly address: ProtocolAddress; readonly record: HeldRecord } {
    const k = addressKey(a);
    let h = this.#held!.get(k);
    if (!h) this.#held!.set(k, (h = { address: a, record: new HeldRecord(this.#d.store.protocol.loadSessionSync(a)) }));
    return h;
  }

  /** Session records parsed once per device while holdRecords runs (in memory only; stored or zeroed when it ends). */
  #held: Map<string, { readonly address: ProtocolAddress; readonly record: HeldRecord }> | null = null;

  /**
   * Runs `fn` (synchronous: the first, savepoint-free pass of a send chunk
   * or a receive batch, inside the store's batchSessions) with each
   * device's session record parsed once and advanced in memory by every
   * encryptFor and decrypt, then stored once per device: N messages to or
   * from a device parsed and serialized its record N times. If `fn` throws, the held records are
   * zeroed unstored, and the caller's transaction rolls back as it must then
   * anyway (store/protocolStores.ts batchSessions).
   */
  holdRecords<T>(fn: () => T): T {
    if (this.#held) return fn();
    const held = new Map<string, { readonly address: ProtocolAddress; readonly record: HeldRecord }>();
    const p = this.#d.store.protocol;
    const writes = p.sessionWrites;
    this.#held = held;
    try {
      const out = fn();
      // A session written, deleted or archived meanwhile by another path (an identity change, a device dropped) would be
      // overwritten by a held record: the pass is refused, rolls back, and runs again with nothing held.
      if (p.sessionWrites !== writes) throw new SessionLayerError('SESSION_CHANGED_WHILE_HELD', 'A session changed while its record was held.');
      const now = this.#d.now();
      for (const h of held.values()) p.storeSessionSync(h.address, h.record.record(now));
      return out;
    } finally {
      this.#held = null;
      for (const h of held.values()) h.record.dispose();
    }
  }

  /**
   * A send turn's seal burst (sealBurst.ts): envelopes to a device listed
   * twice or more in `targets` share one seal key until `end()`.
   */
  burst(targets: readonly ProtocolAddress[]): SealBurst {
    return new SealBurst(targets.map((t) => t.deviceId), () => this.#sender());
  }

  /** Makes fresh sealing key pairs ready on the worker thread for the envelopes about to be sealed, one per target listed (sealAhead.ts). */
  sealAhead(targets: readonly ProtocolAddress[]): Promise<void> {
    const counts = new Map<string, number>();
    for (const t of targets) counts.set(t.deviceId, (counts.get(t.deviceId) ?? 0) + 1);
    return sealAhead(this.#sender(), counts);
  }

  /** Seals plaintext content (a retry request) to a device, without a session. */
  sealPlain(a: ProtocolAddress, plaintext: Uint8Array): Uint8Array {
    const deviceKey = publicKeyFromId(a.deviceId);
    if (!deviceKey) throw new SessionLayerError('SESSION_UNLISTED_DEVICE', 'That device id is malformed.');
    return seal(deviceKey, this.#sender(), EnvelopeKind.plaintext, plaintext, ContentHint.none);
  }

  /**
   * Call while holding `from`: decrypts without writing anything. The caller
   * commits the result (record, consumed prekeys, content) in one
   * transaction; a throw changes nothing.
   */
  decrypt(from: ProtocolAddress, remoteIdentity: Uint8Array, message: Uint8Array): Decrypted & { readonly record: Uint8Array | null } {
    const p = this.#d.store.protocol;
    const need = requiredPreKeys(message);
    const input = {
      identity: this.#d.keys().identity,
      remoteIdentity,
      message,
      // Loaded only for a message that starts a session: the rest of a sender's initial messages (a catch-up from a new contact) reuse it.
      preKeys: need
        ? () => ({
            signedPreKey: p.loadSignedPreKeySync(need.signedPreKeyId),
            oneTimePreKey: need.oneTimePreKeyId === null ? null : p.loadPreKeySync(need.oneTimePreKeyId),
            kemPreKey: p.loadKyberPreKeySync(need.kemPreKeyId),
          })
        : undefined,
      now: this.#d.now(),
    };
    // Held for the batch (holdRecords): decrypted into the record in memory, which holdRecords stores when the pass ends.
    if (this.#held) return { ...this.#heldFor(from).record.decrypt(input), record: null };
    return decryptMessage({ ...input, record: p.loadSessionSync(from) });
  }

  /**
   * Delivers one payload (a group's sender-key message) to many devices in
   * one multi-recipient upload, sealed to each device; per-recipient
   * refusals are handled as for 1:1 sends (multiDelivery.ts).
   */
  deliverMulti(req: MultiDeliveryRequest): Promise<MultiDeliveryResult> {
    return deliverMulti({ link: this.#d.link, sender: () => this.#sender(), epochs: this.#epochs, audit: this.#d.audit }, req);
  }

  /** Zeroes the multi-recipient seal epochs' keys (the profile closes). */
  forgetSealEpochs(): void {
    this.#epochs.forget();
    this.openCache.clear();
  }

  /** Peers with work queued or running. */
  get busy(): number {
    return this.#queue.busy;
  }

  #sender() {
    const k = this.#d.keys();
    return { accountKey: k.accountPublicKey, deviceKey: k.identity.publicKey, x25519PrivateKey: k.x25519.privateKey };
  }
}

/** Base64url of a digest, as retry requests and placeholders carry it. */
export const digestId = (digest: Uint8Array): string => toBase64Url(digest);
