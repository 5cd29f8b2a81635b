/**
 * This device's keys as the messaging core uses them: the device identity
 * (engine IdentityKeyPair), the account key (signs the device list), and
 * the signing views the relay client needs. Secrets never print.
 */
import { toBase64Url } from '../../shared/wire/encoding';
import type { WirePrekey } from '../../shared/wire/relay';
import {
  generateLastResortKemPreKey, generateOneTimeKemPreKeys, generateOneTimePreKeys, generateSignedPreKey, IdentityKeyPair, type PreKeyPair,
} from '../protocol';
import type { SigningKey } from '../relayClient/signing';
import type { LocalStore } from '../store';
import { ONE_TIME_PREKEY_BATCH } from '../../shared/constants';
import { Secret } from '../crypto/secret';

/** Id ranges in the store's prekey tables (KEM last-resort and one-time share the 'kem' table). */
export const PREKEY_IDS = { signed: 1, lastResortKem: 1, firstOneTimeKem: 1000, firstOneTimeEc: 1 } as const;

/** This device's identity and the account key it holds (see the file comment); redacted when printed. */
export class DeviceKeys {
  readonly identity: IdentityKeyPair;
  readonly deviceId: string;
  readonly accountId: string;
  readonly accountPublicKey: Uint8Array;
  readonly #accountSecret: Secret;
  /** Made once; its secret is the identity's own buffer (no copy), so disposing the identity erases it. */
  readonly #deviceSigner: SigningKey;

  /** Takes ownership of `accountSecret` (zeroed when this is disposed). */
  constructor(identity: IdentityKeyPair, accountSecret: Uint8Array) {
    this.identity = identity;
    this.deviceId = toBase64Url(identity.publicKey);
    this.#accountSecret = new Secret('AccountSecretKey', accountSecret);
    this.accountPublicKey = accountSecret.slice(32);
    this.accountId = toBase64Url(this.accountPublicKey);
    // A Secret over the identity's own buffer (no copy): disposing the identity erases it.
    this.#deviceSigner = signingView(this.deviceId, new Secret('DeviceSigningKey', identity.signingSecretKey));
  }

  /** The account key in the relay client's signing shape (for device lists only). */
  get accountSigner(): SigningKey {
    return signingView(this.accountId, this.#accountSecret);
  }

  /**
   * The device key in the relay client's signing shape (for the auth
   * challenge): the same object on every call, holding no copy of the
   * identity secret; dispose() zeroes it.
   */
  get deviceSigner(): SigningKey {
    return this.#deviceSigner;
  }

  /** X25519 form of the device identity, for opening sealed envelopes. */
  get x25519(): { publicKey: Uint8Array; privateKey: Uint8Array } {
    return { publicKey: this.identity.xPublic, privateKey: this.identity.xPrivate };
  }

  /** The same device under a new account key (phrase rotation); the caller then drops this one with disposeAccount(). */
  withAccount(accountSecret: Uint8Array): DeviceKeys {
    return new DeviceKeys(this.identity, accountSecret);
  }

  /** Erases the account secret only (the identity lives on in the DeviceKeys that replaced this one). */
  disposeAccount(): void {
    this.#accountSecret.dispose();
  }

  /** Erases the account secret and the device identity. */
  dispose(): void {
    this.#accountSecret.dispose();
    this.identity.dispose();
  }

  toJSON(): string {
    return '[DeviceKeys redacted]';
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `DeviceKeys(account=${this.accountId}, device=${this.deviceId}, [redacted])`;
  }
}

/** The relay client's signing shape over a Secret: the bytes are read through it (no copy), and printing shows the Secret's redaction. */
function signingView(id: string, secret: Secret): SigningKey {
  return Object.defineProperties({ id } as SigningKey, {
    secretKey: { get: () => secret.bytes, enumerable: false },
    toJSON: { value: () => ({ id, secretKey: secret.toJSON() }) },
    [Symbol.for('nodejs.util.inspect.custom')]: { value: () => `SigningKey(${id}, ${secret.toString()})` },
  });
}

/** A prekey in the relay's upload shape (public half and signature only). */
export const toWirePrekey = (k: PreKeyPair): WirePrekey => ({
  keyId: k.id,
  publicKey: toBase64Url(k.publicKey),
  signature: toBase64Url(k.signature),
});

/** Generates the initial prekey set, stores the private halves, and returns what to upload. */
export function createInitialPrekeys(store: LocalStore, identity: IdentityKeyPair, now: number) {
  const spk = generateSignedPreKey(identity, PREKEY_IDS.signed, now);
  const kem = generateLastResortKemPreKey(identity, PREKEY_IDS.lastResortKem, now);
  const opks = generateOneTimePreKeys(identity, PREKEY_IDS.firstOneTimeEc, ONE_TIME_PREKEY_BATCH, now);
  const kems = generateOneTimeKemPreKeys(identity, PREKEY_IDS.firstOneTimeKem, ONE_TIME_PREKEY_BATCH, now);
  const p = store.protocol;
  p.putPreKeyRecordSync('signed', spk.id, spk.serialize());
  p.putPreKeyRecordSync('kem', kem.id, kem.serialize());
  for (const k of opks) p.putPreKeyRecordSync('ec', k.id, k.serialize());
  for (const k of kems) p.putPreKeyRecordSync('kem', k.id, k.serialize());
  const upload = {
    signedPrekey: toWirePrekey(spk),
    lastResortKem: toWirePrekey(kem),
    oneTimeEc: opks.map(toWirePrekey),
    oneTimeKem: kems.map(toWirePrekey),
  };
  for (const k of [spk, kem, ...opks, ...kems]) k.dispose();
  return upload;
}

/** The first prekeys of a device, as uploaded to the relay once it is online. */
export type PrekeyUpload = ReturnType<typeof createInitialPrekeys>;
