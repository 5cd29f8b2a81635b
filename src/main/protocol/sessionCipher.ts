/**
 * The libsignal-style asynchronous API over the store interfaces
 * (stores.ts). Each call loads what it needs, runs the write-free functions
 * of session.ts, and writes only after they succeed. Apps that need one
 * synchronous transaction call session.ts directly.
 */
import type { PreKeyBundle } from './bundle';
import { bytesEqual } from './codec';
import { ProtocolError } from './errors';
import { IdentityKeyPair } from './keys';
import { MESSAGE_TYPE_INITIAL } from './message';
import { recordHealth, type SessionHealth } from './sessionRecord';
import {
  archiveSession, decryptMessage, deviceIdentity, encryptMessage, initiateSession, requiredPreKeys,
} from './session';
import type { ProtocolAddress, ProtocolStores } from './stores';

/** libsignal-style encrypt and decrypt for one store set: loads records, runs session.ts, writes only after success. */
export class SessionCipher {
  readonly #stores: ProtocolStores;
  readonly #now: () => number;
  #identity: { record: Uint8Array; pair: IdentityKeyPair } | null = null;

  constructor(stores: ProtocolStores, now: () => number = Date.now) {
    this.#stores = stores;
    this.#now = now;
  }

  /** This device's identity, parsed once and cached while the store returns the same record. */
  async identity(): Promise<IdentityKeyPair> {
    const record = await this.#stores.identity.getIdentityKeyPair();
    const cached = this.#identity;
    if (cached && (cached.record === record || bytesEqual(cached.record, record))) return cached.pair;
    cached?.pair.dispose();
    const pair = IdentityKeyPair.deserialize(record);
    this.#identity = { record, pair };
    return pair;
  }

  async #checkTrust(address: ProtocolAddress, key: Uint8Array, direction: 'sending' | 'receiving'): Promise<void> {
    const named = deviceIdentity(address.deviceId);
    if (!named || !bytesEqual(named, key)) {
      throw new ProtocolError('PROTOCOL_UNTRUSTED_IDENTITY', 'The identity key does not match the device address.');
    }
    if (!(await this.#stores.identity.isTrustedIdentity(address, key, direction))) {
      throw new ProtocolError('PROTOCOL_UNTRUSTED_IDENTITY', 'The identity key of this device is not trusted.');
    }
  }

  /** Starts a session from a relay's bundle (every signature checked first); the previous session is archived. */
  async processPreKeyBundle(address: ProtocolAddress, bundle: PreKeyBundle): Promise<void> {
    await this.#checkTrust(address, bundle.identityKey, 'sending');
    const identity = await this.identity();
    const old = await this.#stores.sessions.loadSession(address);
    const record = initiateSession(old, identity, bundle, this.#now());
    await this.#stores.identity.saveIdentity(address, bundle.identityKey);
    await this.#stores.sessions.storeSession(address, record);
  }

  async encrypt(address: ProtocolAddress, plaintext: Uint8Array): Promise<Uint8Array> {
    const out = encryptMessage(await this.#stores.sessions.loadSession(address), plaintext, this.#now());
    await this.#stores.sessions.storeSession(address, out.record);
    return out.ciphertext;
  }

  async decrypt(address: ProtocolAddress, message: Uint8Array): Promise<Uint8Array> {
    const need = message[0] === MESSAGE_TYPE_INITIAL ? requiredPreKeys(message) : null;
    const s = this.#stores;
    let preKeys;
    if (need) {
      await this.#checkTrust(address, message.subarray(1, 33), 'receiving');
      preKeys = {
        signedPreKey: await s.signedPreKeys.loadSignedPreKey(need.signedPreKeyId),
        oneTimePreKey: need.oneTimePreKeyId === null ? null : await s.preKeys.loadPreKey(need.oneTimePreKeyId),
        kemPreKey: await s.kyberPreKeys.loadKyberPreKey(need.kemPreKeyId),
      };
    }
    const out = decryptMessage({
      record: await s.sessions.loadSession(address),
      identity: await this.identity(),
      remoteIdentity: need ? deviceIdentity(address.deviceId) : null,
      message,
      preKeys,
      now: this.#now(),
    });
    if (out.newSessionIdentity) await s.identity.saveIdentity(address, out.newSessionIdentity);
    await s.sessions.storeSession(address, out.record);
    if (out.consumed.oneTimePreKeyId !== null) await s.preKeys.removePreKey(out.consumed.oneTimePreKeyId);
    if (out.consumed.kemPreKeyId !== null) await s.kyberPreKeys.markKyberPreKeyUsed(out.consumed.kemPreKeyId);
    return out.plaintext;
  }

  /** Archives the current session; late messages on it still decrypt, new sends need a new bundle. */
  async archiveSession(address: ProtocolAddress): Promise<void> {
    const record = await this.#stores.sessions.loadSession(address);
    if (record) await this.#stores.sessions.storeSession(address, archiveSession(record, this.#now()));
  }

  async health(address: ProtocolAddress): Promise<SessionHealth | null> {
    return recordHealth(await this.#stores.sessions.loadSession(address));
  }
}
