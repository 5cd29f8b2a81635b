/**
 * The app's core keeps its prekeys up: a Messenger profile on a real relay
 * replenishes its pool when a drain pushes it below the threshold, and a
 * profile that was closed still starts sessions with the keys it publishes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceKeyOf } from '../../src/relay/store/types';
import { ONE_TIME_PREKEY_BATCH, ONE_TIME_PREKEY_REPLENISH_BELOW } from '../../src/shared/constants';
import { createUser, eventually, reopen, type TestUser } from '../support/chatHarness';
import { registerDevice, startTestRelay, type TestDevice } from '../support/relayHarness';

let relay: Awaited<ReturnType<typeof startTestRelay>>;
let bob: TestUser;
let requester: TestDevice;

beforeAll(async () => {
  relay = await startTestRelay({ limits: { bundleBucketSize: 10_000, bundleRequesterBucketSize: 10_000, prekeyTargetBudget: 10_000 } });
  bob = await createUser('Bob Ekwueme', relay.url);
  requester = await registerDevice(relay.url);
});
afterAll(async () => {
  await requester?.client.close();
  await bob?.messenger.close();
  await relay?.close();
});

const held = () => relay.context.store.countPrekeys(deviceKeyOf(bob.messenger.keys.accountId, bob.messenger.keys.deviceId));

describe('prekey upkeep in the messaging core', () => {
  it('replenishes both one-time kinds after a drain below the threshold while online', async () => {
    await eventually(async () => (await held()).oneTimeEc === ONE_TIME_PREKEY_BATCH);
    const drainTo = ONE_TIME_PREKEY_REPLENISH_BELOW - 1;
    for (let i = 0; i < ONE_TIME_PREKEY_BATCH - drainTo; i++) await requester.client.fetchBundle(bob.messenger.keys.accountId, bob.messenger.keys.deviceId);
    const after = await eventually(async () => {
      const c = await held();
      return c.oneTimeEc > drainTo && c;
    });
    expect(after).toEqual({ oneTimeEc: drainTo + ONE_TIME_PREKEY_BATCH, oneTimeKem: drainTo + ONE_TIME_PREKEY_BATCH });
  });

  it('keeps its pool across a close and reopen, and a new contact still reaches it', async () => {
    await bob.messenger.close();
    await reopen(bob);
    expect(await bob.messenger.waitOnline()).toBe(true);
    const ann = await createUser('Ann Szabo', relay.url);
    await ann.messenger.contacts.add(bob.messenger.account.invite(), 'Bob');
    await eventually(() => bob.messenger.contacts.list().some((c) => c.name === 'Ann Szabo'));
    expect((await held()).oneTimeEc).toBe(ONE_TIME_PREKEY_REPLENISH_BELOW - 1 + ONE_TIME_PREKEY_BATCH - 1);
    await ann.messenger.close();
  });
});
