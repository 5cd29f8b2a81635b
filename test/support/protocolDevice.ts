/** A test device: identity, in-memory records with published prekeys, the app's session path over them, and a fresh bundle on demand. */
import sodium from 'libsodium-wrappers-sumo';
import type { ProtocolAddress } from '../../src/main/protocol/address';
import { bundleFromKeys, type PreKeyBundle } from '../../src/main/protocol/bundle';
import {
  generateIdentityKey, generateLastResortKemPreKey, generateOneTimeKemPreKeys, generateOneTimePreKeys, generateSignedPreKey,
  type IdentityKeyPair, type PreKeyPair,
} from '../../src/main/protocol/keys';
import { addressKey } from '../../src/main/protocol/address';
import { toBase64Url } from '../../src/shared/wire/encoding';
import { MemoryProtocolStore } from './memoryStores';
import { SessionDriver } from './sessionDriver';

/** A device whose sessions run through SessionDriver over a MemoryProtocolStore the test can inspect. */
export class TestDevice extends SessionDriver {
  readonly address: ProtocolAddress;
  readonly spk: PreKeyPair;
  readonly lastResort: PreKeyPair;
  #nextEc = 1;
  #nextKem = 2;

  constructor(name: string, identity: IdentityKeyPair, readonly store: MemoryProtocolStore, clock: () => number) {
    super(store, identity, clock);
    store.setIdentityKeyPairSync(identity.serialize());
    const now = clock();
    this.spk = generateSignedPreKey(identity, 1, now);
    this.lastResort = generateLastResortKemPreKey(identity, 1, now);
    store.putPreKeyRecordSync('signed', this.spk.id, this.spk.serialize());
    store.putPreKeyRecordSync('kem', this.lastResort.id, this.lastResort.serialize());
    this.address = { accountId: `acct-${name}`, deviceId: toBase64Url(identity.publicKey) };
  }

  /** Hands out the next unused one-time prekeys as a bundle (like a relay would). */
  bundle(opts: { oneTimeEc?: boolean; oneTimeKem?: boolean } = {}): PreKeyBundle {
    let opk: PreKeyPair | undefined;
    let kem = this.lastResort;
    if (opts.oneTimeEc ?? true) {
      opk = generateOneTimePreKeys(this.identity, this.#nextEc++, 1, this.now())[0]!;
      this.store.putPreKeyRecordSync('ec', opk.id, opk.serialize());
    }
    if (opts.oneTimeKem) {
      kem = generateOneTimeKemPreKeys(this.identity, this.#nextKem++, 1, this.now())[0]!;
      this.store.putPreKeyRecordSync('kem', kem.id, kem.serialize());
    }
    return bundleFromKeys(this.identity.publicKey, this.spk, kem, opk);
  }
}

/** A fresh device with its signed and last-resort prekeys stored. */
export async function makeDevice(name: string, clock: () => number = Date.now): Promise<TestDevice> {
  await sodium.ready;
  return new TestDevice(name, generateIdentityKey(), new MemoryProtocolStore(), clock);
}

export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
export const text = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Two devices with a session both ways (the initial message and one reply already exchanged). */
export async function establishedPair(clock: () => number = Date.now): Promise<{ alice: TestDevice; bob: TestDevice }> {
  const alice = await makeDevice('alice', clock);
  const bob = await makeDevice('bob', clock);
  alice.startSession(bob.address, bob.bundle());
  bob.decrypt(alice.address, alice.encrypt(bob.address, bytes('hello')));
  alice.decrypt(bob.address, bob.encrypt(alice.address, bytes('hi')));
  return { alice, bob };
}

/** The stored record `of` keeps for its session with `peer`. */
export function recordOf(of: TestDevice, peer: TestDevice): Uint8Array {
  const r = of.store.sessions.get(addressKey(peer.address));
  if (!r) throw new Error('no session record');
  return r;
}

/** What `f` throws, or null when it returns: for asserting typed errors from the synchronous session path. */
export function thrown(f: () => unknown): unknown {
  try {
    f();
    return null;
  } catch (e) {
    return e;
  }
}
