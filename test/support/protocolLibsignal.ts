/**
 * libsignal-client side of bench/ratchet.bench.ts: in-memory stores
 * implementing its abstract store classes, and a device with a bundle, so
 * the benchmark runs identical work on both engines.
 */
import * as S from '@signalapp/libsignal-client';

class Identities extends S.IdentityKeyStore {
  readonly #known = new Map<string, S.PublicKey>();
  constructor(readonly pair: S.IdentityKeyPair, readonly regId: number) {
    super();
  }
  async getIdentityKey(): Promise<S.PrivateKey> {
    return this.pair.privateKey;
  }
  override async getIdentityKeyPair(): Promise<S.IdentityKeyPair> {
    return this.pair; // cached, as the libsignal pitfalls advise
  }
  async getLocalRegistrationId(): Promise<number> {
    return this.regId;
  }
  async saveIdentity(a: S.ProtocolAddress, key: S.PublicKey): Promise<S.IdentityChange> {
    const old = this.#known.get(a.toString());
    this.#known.set(a.toString(), key);
    return old && !old.equals(key) ? S.IdentityChange.ReplacedExisting : S.IdentityChange.NewOrUnchanged;
  }
  async isTrustedIdentity(a: S.ProtocolAddress, key: S.PublicKey): Promise<boolean> {
    const old = this.#known.get(a.toString());
    return !old || old.equals(key);
  }
  async getIdentity(a: S.ProtocolAddress): Promise<S.PublicKey | null> {
    return this.#known.get(a.toString()) ?? null;
  }
}

class Sessions extends S.SessionStore {
  readonly #m = new Map<string, S.SessionRecord>();
  async saveSession(a: S.ProtocolAddress, r: S.SessionRecord): Promise<void> {
    this.#m.set(a.toString(), r);
  }
  async getSession(a: S.ProtocolAddress): Promise<S.SessionRecord | null> {
    return this.#m.get(a.toString()) ?? null;
  }
  async getExistingSessions(as: S.ProtocolAddress[]): Promise<S.SessionRecord[]> {
    return as.map((a) => this.#m.get(a.toString())).filter((r): r is S.SessionRecord => r !== undefined);
  }
}

class PreKeys extends S.PreKeyStore {
  readonly m = new Map<number, S.PreKeyRecord>();
  async savePreKey(id: number, r: S.PreKeyRecord): Promise<void> {
    this.m.set(id, r);
  }
  async getPreKey(id: number): Promise<S.PreKeyRecord> {
    const r = this.m.get(id);
    if (!r) throw new Error('no prekey');
    return r;
  }
  async removePreKey(id: number): Promise<void> {
    this.m.delete(id);
  }
}

class SignedPreKeys extends S.SignedPreKeyStore {
  readonly m = new Map<number, S.SignedPreKeyRecord>();
  async saveSignedPreKey(id: number, r: S.SignedPreKeyRecord): Promise<void> {
    this.m.set(id, r);
  }
  async getSignedPreKey(id: number): Promise<S.SignedPreKeyRecord> {
    const r = this.m.get(id);
    if (!r) throw new Error('no signed prekey');
    return r;
  }
}

class KyberPreKeys extends S.KyberPreKeyStore {
  readonly m = new Map<number, S.KyberPreKeyRecord>();
  async saveKyberPreKey(id: number, r: S.KyberPreKeyRecord): Promise<void> {
    this.m.set(id, r);
  }
  async getKyberPreKey(id: number): Promise<S.KyberPreKeyRecord> {
    const r = this.m.get(id);
    if (!r) throw new Error('no kyber prekey');
    return r;
  }
  async markKyberPreKeyUsed(): Promise<void> {}
}

let nextReg = 1;

/** A serialized libsignal message and whether it is a PreKey message. */
export interface SignalWire {
  readonly bytes: Uint8Array<ArrayBuffer>;
  readonly preKey: boolean;
}

export class SignalDevice {
  readonly identity = S.IdentityKeyPair.generate();
  readonly regId = nextReg++;
  readonly address: S.ProtocolAddress;
  readonly ids = new Identities(this.identity, this.regId);
  readonly sessions = new Sessions();
  readonly preKeys = new PreKeys();
  readonly signed = new SignedPreKeys();
  readonly kyber = new KyberPreKeys();
  #next = 1;

  constructor(name: string) {
    this.address = S.ProtocolAddress.new(name, 1);
  }

  /** Fresh session stores, same identity: each setup starts from nothing. */
  reset(): void {
    (this as { sessions: Sessions }).sessions = new Sessions();
  }

  /** Generates and stores a signed prekey, a one-time prekey and a signed Kyber prekey; returns the bundle. */
  bundle(): S.PreKeyBundle {
    const id = this.#next++;
    const priv = this.identity.privateKey;
    const spk = S.PrivateKey.generate();
    const spkSig = priv.sign(spk.getPublicKey().serialize());
    this.signed.m.set(id, S.SignedPreKeyRecord.new(id, Date.now(), spk.getPublicKey(), spk, spkSig));
    const opk = S.PrivateKey.generate();
    this.preKeys.m.set(id, S.PreKeyRecord.new(id, opk.getPublicKey(), opk));
    const kem = S.KEMKeyPair.generate();
    const kemSig = priv.sign(kem.getPublicKey().serialize());
    this.kyber.m.set(id, S.KyberPreKeyRecord.new(id, Date.now(), kem, kemSig));
    return S.PreKeyBundle.new(this.regId, 1, id, opk.getPublicKey(), id, spk.getPublicKey(), spkSig, this.identity.publicKey, id, kem.getPublicKey(), kemSig);
  }

  async process(peer: SignalDevice, bundle: S.PreKeyBundle): Promise<void> {
    await S.processPreKeyBundle(bundle, peer.address, this.address, this.sessions, this.ids);
  }

  async encrypt(peer: SignalDevice, pt: Uint8Array<ArrayBuffer>): Promise<SignalWire> {
    const c = await S.signalEncrypt(pt, peer.address, this.address, this.sessions, this.ids);
    return { bytes: c.serialize(), preKey: c.type() === S.CiphertextMessageType.PreKey };
  }

  /** Decrypts a serialized message, deserializing it as the type the sender reported (PreKey or Whisper). */
  async decrypt(peer: SignalDevice, { bytes, preKey }: SignalWire): Promise<Uint8Array> {
    if (preKey) {
      return S.signalDecryptPreKey(S.PreKeySignalMessage.deserialize(bytes), peer.address, this.address, this.sessions, this.ids, this.preKeys, this.signed, this.kyber);
    }
    return S.signalDecrypt(S.SignalMessage.deserialize(bytes), peer.address, this.address, this.sessions, this.ids);
  }
}
