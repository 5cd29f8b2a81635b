/**
 * A device for prekey-upkeep tests: a real encrypted store file, real keys,
 * a real relay connection, and a PrekeyUpkeep on a clock the test moves.
 * Peers start sessions from bundles the relay really serves; the device
 * decrypts initial messages as the app's receive path does (prekeys loaded
 * from the store, write-free engine call).
 */
import { createInitialPrekeys, DeviceKeys } from '../../src/main/account/keys';
import { checkedBundle } from '../../src/main/session/bundles';
import { PrekeyUpkeep, type PrekeyAuditKind } from '../../src/main/prekeys/upkeep';
import { decryptMessage, encryptMessage, generateIdentityKey, initiateSession, requiredPreKeys, type IdentityKeyPair } from '../../src/main/protocol';
import { RelayClient } from '../../src/main/relayClient/client';
import { generateSigningKey, signDeviceList } from '../../src/main/relayClient/signing';
import type { LocalStore } from '../../src/main/store';
import type { WireBundle } from '../../src/shared/wire/relay';
import { registerDevice, type TestDevice } from './relayHarness';
import { rawKeyStore, reopen } from './storeFixture';

/** A moving clock for upkeep. */
export interface TestClock {
  now: number;
}

export interface PrekeyTestDevice {
  readonly keys: DeviceKeys;
  readonly client: RelayClient;
  readonly clock: TestClock;
  readonly audits: { kind: PrekeyAuditKind; detail: Record<string, number | string> }[];
  store: LocalStore;
  upkeep: PrekeyUpkeep;
  /** Reopens the store file and makes a new upkeep on it (an app restart). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** A new profile's first prekey set (as Messenger.create makes it), registered and uploaded at `t0`. */
export async function prekeyDevice(url: string, t0: number, intervalMs?: number): Promise<PrekeyTestDevice> {
  const { store, dbPath, key } = await rawKeyStore();
  const identity = generateIdentityKey();
  const keys = new DeviceKeys(identity, (await generateSigningKey()).secretKey);
  store.protocol.setIdentityKeyPairSync(identity.serialize());
  const upload = await createInitialPrekeys(store, identity, t0);
  const client = await RelayClient.connect(url);
  await client.authenticate(keys.accountId, keys.deviceSigner, signDeviceList(keys.accountSigner, 1, [{ deviceId: keys.deviceId, addedAt: t0 }]));
  await client.uploadPrekeys(upload);
  const clock: TestClock = { now: t0 };
  const audits: PrekeyTestDevice['audits'] = [];
  const make = (s: LocalStore): PrekeyUpkeep =>
    new PrekeyUpkeep({ store: s, identity, audit: (kind, detail) => audits.push({ kind, detail }), now: () => clock.now, ...(intervalMs ? { intervalMs } : {}) });
  const d: PrekeyTestDevice = {
    keys,
    client,
    clock,
    audits,
    store,
    upkeep: make(store),
    async restart() {
      await d.upkeep.stop();
      d.store.close();
      d.store = reopen(dbPath, key);
      d.upkeep = make(d.store);
    },
    async close() {
      await d.upkeep.stop();
      await client.close();
      d.store.close();
      keys.dispose();
    },
  };
  return d;
}

/** Fetches `n` bundles of `target` through one requester (the relay must allow it) and returns them. */
export async function drain(requester: TestDevice, target: PrekeyTestDevice, n: number): Promise<WireBundle[]> {
  const out: WireBundle[] = [];
  for (let i = 0; i < n; i++) out.push(await requester.client.fetchBundle(target.keys.accountId, target.keys.deviceId));
  return out;
}

/** A peer that starts sessions with fetched bundles and sends initial messages. */
export interface Initiator {
  readonly identity: IdentityKeyPair;
  readonly fetcher: TestDevice;
  /** An initial message to `target` from a bundle fetched now (`strip` drops the one-time keys, as a spent budget does). */
  initialTo(target: PrekeyTestDevice, text: string, now: number, strip?: boolean): Promise<Uint8Array>;
}

export async function initiator(url: string): Promise<Initiator> {
  const identity = generateIdentityKey();
  const fetcher = await registerDevice(url);
  return {
    identity,
    fetcher,
    async initialTo(target, text, now, strip = false) {
      const wire = await fetcher.client.fetchBundle(target.keys.accountId, target.keys.deviceId);
      const asked = { accountId: target.keys.accountId, deviceId: target.keys.deviceId };
      const bundle = checkedBundle(asked, strip ? { ...wire, oneTimeEc: null, oneTimeKem: null } : wire, [asked.deviceId]);
      const record = initiateSession(null, identity, bundle, now);
      return encryptMessage(record, new TextEncoder().encode(text), now).ciphertext;
    },
  };
}

/** Decrypts an initial message on `d` without writing anything, loading the prekeys it names from the store. */
export function receiveInitial(d: PrekeyTestDevice, from: IdentityKeyPair, message: Uint8Array): string {
  const need = requiredPreKeys(message);
  if (!need) throw new Error('not an initial message');
  const p = d.store.protocol;
  const out = decryptMessage({
    record: null,
    identity: d.keys.identity,
    remoteIdentity: from.publicKey,
    message,
    preKeys: {
      signedPreKey: p.loadSignedPreKeySync(need.signedPreKeyId),
      oneTimePreKey: need.oneTimePreKeyId === null ? null : p.loadPreKeySync(need.oneTimePreKeyId),
      kemPreKey: p.loadKyberPreKeySync(need.kemPreKeyId),
    },
    now: d.clock.now,
  });
  return new TextDecoder().decode(out.plaintext);
}
