import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RelayClientError } from '../../src/main/relayClient/errors';
import { ONE_TIME_PREKEY_REPLENISH_BELOW, RELAY_PREKEY_TARGET_BUDGET } from '../../src/shared/constants';
import type { PrekeyCounts, WireBundle } from '../../src/shared/wire/relay';
import { startTestPostgres, type TestPostgres } from '../support/postgres';
import { makePrekeys, makeSignedPrekeys, registerDevice, startTestRelay, tempDir, waitFor, type TestDevice } from '../support/relayHarness';

type Relay = Awaited<ReturnType<typeof startTestRelay>>;

const codeOf = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'ok',
    (e: unknown) => (e instanceof RelayClientError ? e.code : 'untyped'),
  );

/** A registered device with signed keys and `n` one-time keys of each kind on the relay. */
async function owner(url: string, n: number): Promise<TestDevice> {
  const o = await registerDevice(url);
  await o.client.uploadPrekeys({
    ...makeSignedPrekeys(o.device),
    ...(n > 0 ? { oneTimeEc: makePrekeys(o.device, 1, n, 'oneTimeEc'), oneTimeKem: makePrekeys(o.device, 1, n, 'oneTimeKem') } : {}),
  });
  return o;
}

describe.each(['sqlite', 'postgres'] as const)('bundle fetch limits on %s', (kind) => {
  let relay: Relay;
  /** A second instance on the same database with a small per-requester bucket (3). */
  let strict: Relay;
  let pg: TestPostgres | null = null;

  beforeAll(async () => {
    if (kind === 'postgres') pg = await startTestPostgres();
    relay = await startTestRelay(pg ? { db: pg.url } : {});
    strict = await startTestRelay({ ...(pg ? { db: pg.url } : { dataDir: tempDir() }), limits: { bundleRequesterBucketSize: 3 } });
  }, 60_000);
  afterAll(async () => {
    await strict.close();
    await relay.close();
    await pg?.stop();
  });

  it('refuses a requester past its bucket across all targets with RATE_LIMITED, and its connection keeps working', async () => {
    const targets = await Promise.all(Array.from({ length: 4 }, () => owner(strict.url, 0)));
    const f = await registerDevice(strict.url);
    const codes = [];
    for (const t of targets) codes.push(await codeOf(f.client.fetchBundle(t.account.id, t.device.id)));
    expect(codes).toEqual(['ok', 'ok', 'ok', 'RATE_LIMITED']);
    expect(await f.client.request({ type: 'ping' })).toHaveProperty('time');
    const g = await registerDevice(strict.url);
    expect(await codeOf(g.client.fetchBundle(targets[3]!.account.id, targets[3]!.device.id))).toBe('ok');
    await Promise.all([f.client.close(), g.client.close(), ...targets.map((t) => t.client.close())]);
  });

  it('lets a burst of fresh accounts take only the target budget of one-time keys, then serves the last-resort key', async () => {
    const o = await owner(relay.url, 100);
    const burst = RELAY_PREKEY_TARGET_BUDGET + 20;
    const fetchers = await Promise.all(Array.from({ length: burst }, () => registerDevice(relay.url)));
    const bundles: WireBundle[] = await Promise.all(fetchers.map((f) => f.client.fetchBundle(o.account.id, o.device.id)));
    const withKeys = bundles.filter((b) => b.oneTimeEc !== null);
    expect(withKeys).toHaveLength(RELAY_PREKEY_TARGET_BUDGET);
    expect(new Set(withKeys.map((b) => b.oneTimeEc!.keyId)).size).toBe(RELAY_PREKEY_TARGET_BUDGET);
    expect(withKeys.every((b) => b.oneTimeKem !== null)).toBe(true);
    const without = bundles.filter((b) => b.oneTimeEc === null);
    expect(without).toHaveLength(20);
    expect(without.every((b) => b.oneTimeKem === null && b.lastResortKem.keyId === 1 && b.signedPrekey.keyId === 1)).toBe(true);
    expect(await o.client.prekeyCount()).toEqual({ oneTimeEc: 100 - RELAY_PREKEY_TARGET_BUDGET, oneTimeKem: 100 - RELAY_PREKEY_TARGET_BUDGET });
    await Promise.all([o.client.close(), ...fetchers.map((f) => f.client.close())]);
  }, 60_000);

  it('pushes prekeysLow to the target only once a fetch leaves it fewer than the threshold', async () => {
    const o = await owner(relay.url, ONE_TIME_PREKEY_REPLENISH_BELOW + 1);
    const pushes: PrekeyCounts[] = [];
    o.client.onPrekeysLow((c) => pushes.push(c));
    const [a, b] = await Promise.all([registerDevice(relay.url), registerDevice(relay.url)]);
    await a.client.fetchBundle(o.account.id, o.device.id);
    await o.client.request({ type: 'ping' }); // a push would have arrived before this reply
    expect(pushes).toEqual([]);
    await b.client.fetchBundle(o.account.id, o.device.id);
    await waitFor(() => pushes.length === 1);
    const left = ONE_TIME_PREKEY_REPLENISH_BELOW - 1;
    expect(pushes[0]).toEqual({ oneTimeEc: left, oneTimeKem: left });
    await Promise.all([o.client.close(), a.client.close(), b.client.close()]);
  });

  it('answers a fetch for a device without signed keys with NOT_FOUND, and the relay keeps serving', async () => {
    const bare = await registerDevice(relay.url);
    const f = await registerDevice(relay.url);
    expect(await codeOf(f.client.fetchBundle(bare.account.id, bare.device.id))).toBe('NOT_FOUND');
    await Promise.all([bare.client.close(), f.client.close()]);
  });
});
