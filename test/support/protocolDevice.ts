/** A test device: identity, stores with published prekeys, a SessionCipher, and a fresh bundle on demand. */
import sodium from 'libsodium-wrappers-sumo';
import { bundleFromKeys, type PreKeyBundle } from '../../src/main/protocol/bundle';
import {
  generateIdentityKey, generateLastResortKemPreKey, generateOneTimeKemPreKeys, generateOneTimePreKeys, generateSignedPreKey,
  type IdentityKeyPair, type PreKeyPair,
} from '../../src/main/protocol/keys';
import { SessionCipher } from '../../src/main/protocol/sessionCipher';
import type { ProtocolAddress } from '../../src/main/protocol/stores';
import { toBase64Url } from '../../src/shared/wire/encoding';
import { memoryStores } from './memoryStores';

export interface TestDevice {
  readonly identity: IdentityKeyPair;
  readonly address: ProtocolAddress;
  readonly stores: ReturnType<typeof memoryStores>;
  readonly cipher: SessionCipher;
  readonly spk: PreKeyPair;
  readonly lastResort: PreKeyPair;
  /** Hands out the next unused one-time prekeys as a bundle (like a relay would). */
  bundle(opts?: { oneTimeEc?: boolean; oneTimeKem?: boolean }): PreKeyBundle;
}

export async function makeDevice(name: string, clock: () => number = Date.now): Promise<TestDevice> {
  await sodium.ready;
  const identity = generateIdentityKey();
  const stores = memoryStores(identity.serialize());
  const now = clock();
  const spk = generateSignedPreKey(identity, 1, now);
  const lastResort = generateLastResortKemPreKey(identity, 1, now);
  await stores.signedPreKeys.storeSignedPreKey(spk.id, spk.serialize());
  await stores.kyberPreKeys.storeKyberPreKey(lastResort.id, lastResort.serialize());
  let nextEc = 1;
  let nextKem = 2;
  const address = { accountId: `acct-${name}`, deviceId: toBase64Url(identity.publicKey) };
  return {
    identity, address, stores, spk, lastResort,
    cipher: new SessionCipher(stores, clock),
    bundle(opts = {}) {
      let opk: PreKeyPair | undefined;
      let kem = lastResort;
      if (opts.oneTimeEc ?? true) {
        opk = generateOneTimePreKeys(identity, nextEc++, 1, clock())[0]!;
        stores.keys.preKeys.set(opk.id, opk.serialize());
      }
      if (opts.oneTimeKem) {
        kem = generateOneTimeKemPreKeys(identity, nextKem++, 1, clock())[0]!;
        stores.keys.kyber.set(kem.id, kem.serialize());
      }
      return bundleFromKeys(identity.publicKey, spk, kem, opk);
    },
  };
}

export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
export const text = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Two devices with a session both ways (the initial message and one reply already exchanged). */
export async function establishedPair(clock: () => number = Date.now): Promise<{ alice: TestDevice; bob: TestDevice }> {
  const alice = await makeDevice('alice', clock);
  const bob = await makeDevice('bob', clock);
  await alice.cipher.processPreKeyBundle(bob.address, bob.bundle());
  await bob.cipher.decrypt(alice.address, await alice.cipher.encrypt(bob.address, bytes('hello')));
  await alice.cipher.decrypt(bob.address, await bob.cipher.encrypt(alice.address, bytes('hi')));
  return { alice, bob };
}

/** The stored record `of` keeps for its session with `peer`. */
export function recordOf(of: TestDevice, peer: TestDevice): Uint8Array {
  const r = of.stores.sessionMap.records.get(`${peer.address.accountId}.${peer.address.deviceId}`);
  if (!r) throw new Error('no session record');
  return r;
}
