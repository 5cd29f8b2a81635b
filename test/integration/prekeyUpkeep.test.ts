/**
 * Prekey upkeep on a real relay on loopback and real store files, with the
 * clock moved by the test: replenishing below the threshold (on a run and on
 * the relay's push), rotation after 30 days with the grace period for
 * initial messages in flight, ids that never repeat, and the timer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProtocolError, requiredPreKeys } from '../../src/main/protocol';
import {
  ONE_TIME_PREKEY_BATCH, ONE_TIME_PREKEY_REPLENISH_BELOW, SIGNED_PREKEY_GRACE_MS, SIGNED_PREKEY_ROTATION_MS,
} from '../../src/shared/constants';
import { PREKEY_LEDGER_SETTING } from '../../src/main/store';
import { registerDevice, startTestRelay, waitFor, type TestDevice } from '../support/relayHarness';
import { drain, initiator, prekeyDevice, receiveInitial, type PrekeyTestDevice } from '../support/prekeyDevice';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
/** Fetches that leave the relay one key under the threshold, from a full first batch. */
const TO_BELOW = ONE_TIME_PREKEY_BATCH - ONE_TIME_PREKEY_REPLENISH_BELOW + 1;

let relay: Awaited<ReturnType<typeof startTestRelay>>;
let requester: TestDevice;

beforeAll(async () => {
  // Draining a pool on purpose needs the drain limits out of the way (they have their own tests).
  relay = await startTestRelay({ limits: { bundleBucketSize: 10_000, bundleRequesterBucketSize: 10_000, prekeyTargetBudget: 10_000 } });
  requester = await registerDevice(relay.url);
});
afterAll(async () => {
  await requester.client.close();
  await relay.close();
});

const errorCode = (f: () => unknown): string => {
  try {
    f();
    return 'ok';
  } catch (e) {
    return e instanceof ProtocolError ? e.code : 'untyped';
  }
};

describe('replenishing one-time prekeys', () => {
  let bob: PrekeyTestDevice;
  beforeAll(async () => {
    bob = await prekeyDevice(relay.url, T0);
  });
  afterAll(() => bob.close());

  it('leaves a pool at or above the threshold alone', async () => {
    await bob.upkeep.online(bob.client);
    await drain(requester, bob, TO_BELOW - 1);
    const report = await bob.upkeep.run();
    expect(report.replenished).toEqual({ oneTimeEc: 0, oneTimeKem: 0 });
    expect(report.counts).toEqual({ oneTimeEc: ONE_TIME_PREKEY_REPLENISH_BELOW, oneTimeKem: ONE_TIME_PREKEY_REPLENISH_BELOW });
    expect(bob.audits.filter((a) => a.kind === 'prekeys.replenished')).toEqual([]);
  });

  it('uploads a batch of each kind on the relay push once a fetch leaves fewer than the threshold', async () => {
    await drain(requester, bob, 1);
    await waitFor(() => bob.audits.some((a) => a.kind === 'prekeys.replenished'));
    const held = ONE_TIME_PREKEY_REPLENISH_BELOW - 1 + ONE_TIME_PREKEY_BATCH;
    expect(await bob.client.prekeyCount()).toEqual({ oneTimeEc: held, oneTimeKem: held });
    expect(bob.audits).toEqual([
      {
        kind: 'prekeys.replenished',
        detail: { oneTimeEc: 100, oneTimeKem: 100, firstOneTimeEcId: 101, firstOneTimeKemId: 1100, heldOneTimeEc: held, heldOneTimeKem: held },
      },
    ]);
  });

  it('serves the new keys to a peer, and the device decrypts an initial message made with them', async () => {
    await drain(requester, bob, ONE_TIME_PREKEY_REPLENISH_BELOW - 1); // the rest of the first batch
    const alice = await initiator(relay.url);
    const message = await alice.initialTo(bob, 'from the second batch', bob.clock.now);
    const need = requiredPreKeys(message)!;
    expect(need.oneTimePreKeyId).toBeGreaterThanOrEqual(101);
    expect(need.kemPreKeyId).toBeGreaterThanOrEqual(1100);
    expect(receiveInitial(bob, alice.identity, message)).toBe('from the second batch');
    await alice.fetcher.client.close();
  });
});

describe('rotating the signed and last-resort prekeys', () => {
  let bob: PrekeyTestDevice;
  beforeAll(async () => {
    bob = await prekeyDevice(relay.url, T0);
  });
  afterAll(() => bob.close());

  it('rotates after 30 days; an in-flight initial message from the old keys decrypts within grace and fails cleanly after it', async () => {
    await bob.upkeep.online(bob.client);
    const alice = await initiator(relay.url);
    const carol = await initiator(relay.url);
    const fromAlice = await alice.initialTo(bob, 'sent before the rotation', T0 + DAY);
    // Carol's bundle came without one-time keys (a spent budget): her message rests on the old signed and last-resort keys alone.
    const fromCarol = await carol.initialTo(bob, 'last resort, before the rotation', T0 + DAY, true);

    bob.clock.now = T0 + SIGNED_PREKEY_ROTATION_MS - 1;
    expect((await bob.upkeep.run()).rotated).toBe(false);
    bob.clock.now = T0 + 31 * DAY;
    const rotation = await bob.upkeep.run();
    expect(rotation.rotated).toBe(true);
    expect(bob.audits.find((a) => a.kind === 'prekeys.rotated')?.detail).toEqual({ signedPrekeyId: 2, lastResortKemId: 1100, replacedSignedPrekeyId: 1 });
    const fresh = await requester.client.fetchBundle(bob.keys.accountId, bob.keys.deviceId);
    expect([fresh.signedPrekey.keyId, fresh.lastResortKem.keyId]).toEqual([2, 1100]);

    bob.clock.now = T0 + 31 * DAY + SIGNED_PREKEY_GRACE_MS - 1;
    expect((await bob.upkeep.run()).erased).toBe(0);
    expect(receiveInitial(bob, alice.identity, fromAlice)).toBe('sent before the rotation');
    expect(receiveInitial(bob, carol.identity, fromCarol)).toBe('last resort, before the rotation');

    bob.clock.now = T0 + 31 * DAY + SIGNED_PREKEY_GRACE_MS;
    expect((await bob.upkeep.run()).erased).toBe(2);
    expect(bob.store.protocol.loadSignedPreKeySync(1)).toBeNull();
    expect(bob.store.protocol.loadKyberPreKeySync(1)).toBeNull();
    expect(errorCode(() => receiveInitial(bob, carol.identity, fromCarol))).toBe('PROTOCOL_MISSING_PREKEY');

    const dave = await initiator(relay.url);
    const fromDave = await dave.initialTo(bob, 'after the rotation', bob.clock.now, true);
    expect(receiveInitial(bob, dave.identity, fromDave)).toBe('after the rotation');
    await Promise.all([alice, carol, dave].map((p) => p.fetcher.client.close()));
  });

  it('keeps the new keys for a whole rotation period and rotates again after it', async () => {
    bob.clock.now = T0 + 31 * DAY + SIGNED_PREKEY_ROTATION_MS - 1;
    expect((await bob.upkeep.run()).rotated).toBe(false);
    bob.clock.now = T0 + 31 * DAY + SIGNED_PREKEY_ROTATION_MS;
    expect((await bob.upkeep.run()).rotated).toBe(true);
    const b = await requester.client.fetchBundle(bob.keys.accountId, bob.keys.deviceId);
    expect(b.signedPrekey.keyId).toBe(3);
    expect(b.lastResortKem.keyId).toBeGreaterThan(1100);
  });
});

describe('prekey ids', () => {
  it('are never issued twice across replenishing, rotation, a restart and a profile made before upkeep', async () => {
    const bob = await prekeyDevice(relay.url, T0);
    // Every one-time EC key of the first batch was consumed locally: the highest stored id is gone, the ledger must still skip it.
    for (let id = 1; id <= ONE_TIME_PREKEY_BATCH; id++) bob.store.protocol.removePreKeySync(id);
    expect(bob.store.directory.setting(PREKEY_LEDGER_SETTING)).toBeNull();
    await bob.upkeep.online(bob.client);
    const ec: number[] = [];
    const kem: number[] = [];
    const signed: number[] = [1];
    const record = (bundles: Awaited<ReturnType<typeof drain>>): void => {
      for (const b of bundles) {
        if (b.oneTimeEc) ec.push(b.oneTimeEc.keyId);
        if (b.oneTimeKem) kem.push(b.oneTimeKem.keyId);
      }
    };
    // Draining below the threshold also makes the relay push, so batches arrive on the push or on the run, whichever comes first.
    for (let cycle = 0; cycle < 3; cycle++) {
      const held = await bob.client.prekeyCount();
      record(await drain(requester, bob, held.oneTimeEc - ONE_TIME_PREKEY_REPLENISH_BELOW + 1));
      bob.clock.now += 31 * DAY;
      expect((await bob.upkeep.run()).rotated).toBe(true);
      expect((await bob.client.prekeyCount()).oneTimeEc).toBeGreaterThanOrEqual(ONE_TIME_PREKEY_BATCH);
      const b = await requester.client.fetchBundle(bob.keys.accountId, bob.keys.deviceId);
      record([b]);
      signed.push(b.signedPrekey.keyId);
      kem.push(b.lastResortKem.keyId);
      if (cycle === 1) {
        await bob.restart();
        await bob.upkeep.online(bob.client);
      }
    }
    await bob.upkeep.stop();
    record(await drain(requester, bob, (await bob.client.prekeyCount()).oneTimeEc));
    const batches = bob.audits.filter((a) => a.kind === 'prekeys.replenished').length;
    expect(batches).toBe(3);
    expect(ec).toHaveLength(ONE_TIME_PREKEY_BATCH * (1 + batches));
    expect(new Set(ec).size).toBe(ec.length);
    expect(new Set(kem).size).toBe(kem.length);
    expect(new Set(signed).size).toBe(signed.length);
    expect(Math.min(...ec.filter((id) => id > ONE_TIME_PREKEY_BATCH))).toBe(ONE_TIME_PREKEY_BATCH + 1);
    await bob.close();
  });
});

describe('the timer', () => {
  it('checks while online and stops checking once stopped', async () => {
    const bob = await prekeyDevice(relay.url, T0, 50);
    await bob.upkeep.online(bob.client);
    bob.clock.now = T0 + 31 * DAY;
    await waitFor(() => bob.audits.some((a) => a.kind === 'prekeys.rotated'));
    await bob.upkeep.stop();
    bob.clock.now = T0 + 62 * DAY;
    await new Promise((r) => setTimeout(r, 300));
    expect(bob.audits.filter((a) => a.kind === 'prekeys.rotated')).toHaveLength(1);
    expect(bob.upkeep.status().lastError).toBeNull();
    await bob.close();
  });
});
