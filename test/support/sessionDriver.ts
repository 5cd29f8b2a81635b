/**
 * The app's session path without the relay and the sealed envelope: the
 * write-free functions of src/main/protocol/session.ts over ProtocolRecords
 * (the SQLite store or its in-memory twin), called as
 * src/main/session/sessionLayer.ts calls them, and committed as
 * src/main/store/delivery.ts commits a receive. Nothing is written unless
 * the engine call succeeded.
 */
import type { ProtocolAddress } from '../../src/main/protocol/address';
import type { PreKeyBundle } from '../../src/main/protocol/bundle';
import { ProtocolError } from '../../src/main/protocol/errors';
import type { IdentityKeyPair } from '../../src/main/protocol/keys';
import {
  archiveSession, decryptMessage, deviceIdentity, encryptMessage, initiateSession, requiredPreKeys,
} from '../../src/main/protocol/session';
import { recordHealth, type SessionHealth } from '../../src/main/protocol/sessionRecord';
import type { ProtocolRecords } from './memoryStores';

/** Runs writes as one unit: the SQLite store's transaction, or plain calls in memory. */
export type Atomically = (work: () => void) => void;

/** One device's sessions with its peers, driven the way the app drives them. */
export class SessionDriver {
  constructor(
    readonly records: ProtocolRecords,
    readonly identity: IdentityKeyPair,
    readonly now: () => number = Date.now,
    readonly atomically: Atomically = (work) => work(),
  ) {}

  #named(peer: ProtocolAddress): Uint8Array {
    const key = deviceIdentity(peer.deviceId);
    if (!key) throw new ProtocolError('PROTOCOL_UNTRUSTED_IDENTITY', 'The device id does not name an identity key.');
    return key;
  }

  /**
   * Starts a session from a bundle, archiving the current one. As the app's
   * checkedBundle does, the identity key is the one the address names, so
   * the engine verifies every prekey signature by that key.
   */
  startSession(peer: ProtocolAddress, bundle: PreKeyBundle): void {
    const record = initiateSession(this.records.loadSessionSync(peer), this.identity, { ...bundle, identityKey: this.#named(peer) }, this.now());
    this.records.storeSessionSync(peer, record);
  }

  /** Encrypts to a peer and stores the advanced record. */
  encrypt(peer: ProtocolAddress, plaintext: Uint8Array): Uint8Array {
    const out = encryptMessage(this.records.loadSessionSync(peer), plaintext, this.now());
    this.records.storeSessionSync(peer, out.record);
    return out.ciphertext;
  }

  /** Decrypts from a peer (its identity is the one its address names), then commits record, identity and consumed prekeys together. */
  decrypt(peer: ProtocolAddress, message: Uint8Array): Uint8Array {
    const r = this.records;
    const need = requiredPreKeys(message);
    const out = decryptMessage({
      record: r.loadSessionSync(peer),
      identity: this.identity,
      remoteIdentity: this.#named(peer),
      message,
      preKeys: need
        ? {
            signedPreKey: r.loadSignedPreKeySync(need.signedPreKeyId),
            oneTimePreKey: need.oneTimePreKeyId === null ? null : r.loadPreKeySync(need.oneTimePreKeyId),
            kemPreKey: r.loadKyberPreKeySync(need.kemPreKeyId),
          }
        : undefined,
      now: this.now(),
    });
    this.atomically(() => {
      if (out.newSessionIdentity) r.saveIdentitySync(peer, out.newSessionIdentity);
      r.storeSessionSync(peer, out.record);
      if (out.consumed.oneTimePreKeyId !== null) r.removePreKeySync(out.consumed.oneTimePreKeyId);
      if (out.consumed.kemPreKeyId !== null) r.markKyberPreKeyUsedSync(out.consumed.kemPreKeyId);
    });
    return out.plaintext;
  }

  /** Archives the current session; late messages on it still decrypt, new sends need a new bundle. */
  archive(peer: ProtocolAddress): void {
    const record = this.records.loadSessionSync(peer);
    if (record) this.records.storeSessionSync(peer, archiveSession(record, this.now()));
  }

  /** The current session's metrics, or null without one. */
  health(peer: ProtocolAddress): SessionHealth | null {
    return recordHealth(this.records.loadSessionSync(peer));
  }
}
