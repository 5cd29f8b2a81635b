import pgLib from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RelayClient, type IncomingMessage } from '../../src/main/relayClient/client';
import { RelayClientError } from '../../src/main/relayClient/errors';
import { confirmRevocation } from '../../src/main/relayClient/signing';
import { publicKeyFromId } from '../../src/shared/wire/deviceList';
import { startTestPostgres, type TestPostgres } from '../support/postgres';
import { envelope, linkDevice, makePrekeys, makeSignedPrekeys, registerDevice, startTestRelay, waitFor } from '../support/relayHarness';
import { keepOnly, watchRevocation } from '../support/revocation';

type Relay = Awaited<ReturnType<typeof startTestRelay>>;
let pg: TestPostgres;
let a: Relay;
let b: Relay;

beforeAll(async () => {
  pg = await startTestPostgres();
  a = await startTestRelay({ db: pg.url });
  b = await startTestRelay({ db: pg.url });
});
afterAll(async () => {
  await a.close();
  await b.close();
  await pg.stop();
});

describe('two relay instances on one PostgreSQL', () => {
  it('deliver to each other clients in both directions, and an ack on one instance deletes for both', async () => {
    const alice = await registerDevice(a.url);
    const bob = await registerDevice(b.url);
    const toBob: IncomingMessage[] = [];
    const toAlice: IncomingMessage[] = [];
    bob.client.onMessage((m) => toBob.push(m));
    alice.client.onMessage((m) => toAlice.push(m));
    await alice.client.send([{ accountId: bob.account.id, deviceId: bob.device.id, envelope: envelope('hello from A') }]);
    await bob.client.send([{ accountId: alice.account.id, deviceId: alice.device.id, envelope: envelope('hello from B') }]);
    await waitFor(() => toBob.length === 1 && toAlice.length === 1);
    expect(new TextDecoder().decode(toBob[0]!.envelope)).toBe('hello from A');
    expect(new TextDecoder().decode(toAlice[0]!.envelope)).toBe('hello from B');
    expect(await bob.client.ack([toBob[0]!.id])).toEqual({ deleted: 1 });
    expect(await a.context.store.pending(`${bob.account.id}.${bob.device.id}`, 10, Date.now())).toEqual([]);
    await Promise.all([alice.client.close(), bob.client.close()]);
  });

  it('consume each one-time prekey once when fetches race across instances', async () => {
    const owner = await registerDevice(a.url);
    await owner.client.uploadPrekeys({ ...makeSignedPrekeys(owner.device), oneTimeEc: makePrekeys(owner.device, 1, 10, 'oneTimeEc') });
    const fetchers = await Promise.all(Array.from({ length: 12 }, (_, i) => registerDevice(i % 2 ? a.url : b.url)));
    const bundles = await Promise.all(fetchers.map((f) => f.client.fetchBundle(owner.account.id, owner.device.id)));
    const ids = bundles.map((x) => x.oneTimeEc?.keyId).filter((x) => x !== undefined);
    expect(ids.sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await Promise.all([owner.client.close(), ...fetchers.map((f) => f.client.close())]);
  });

  it('push the new list to a revoked device on the other instance before closing it, and refuse it with that list on both', async () => {
    const owner = await registerDevice(a.url);
    const second = await linkDevice(b.url, owner);
    const seen = watchRevocation(second.client);
    await owner.client.putDeviceList(keepOnly(owner));
    await waitFor(() => seen.events.length === 2);
    expect(seen.events).toEqual(['list', 'close 4003']);
    const accountKey = publicKeyFromId(owner.account.id)!;
    expect(confirmRevocation(seen.pushed, accountKey, second.device.id, second.list.version)).toBe(true);
    for (const url of [a.url, b.url]) {
      const again = await RelayClient.connect(url);
      const err = await again.authenticate(owner.account.id, second.device).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(RelayClientError);
      expect((err as RelayClientError).code).toBe('DEVICE_REVOKED');
      expect(confirmRevocation((err as RelayClientError).deviceList, accountKey, second.device.id, second.list.version)).toBe(true);
    }
    await owner.client.close();
  });

  it('carry a provisioning payload from a device on one instance to a new device waiting on the other', async () => {
    const owner = await registerDevice(a.url);
    const fresh = await RelayClient.connect(b.url);
    const got: string[] = [];
    fresh.onProvision((_id, p) => got.push(new TextDecoder().decode(p)));
    const { channelId } = await fresh.provisionOpen();
    await owner.client.provisionSend(channelId, envelope('link me'));
    await waitFor(() => got.length === 1);
    expect(got).toEqual(['link me']);
    await expect(owner.client.provisionSend(channelId, envelope('again'))).rejects.toThrow(/provisioning/);
    await Promise.all([owner.client.close(), fresh.close()]);
  });

  it('recover deliveries missed while a LISTEN connection was down', async () => {
    const alice = await registerDevice(a.url);
    const bob = await registerDevice(b.url);
    const got: IncomingMessage[] = [];
    bob.client.onMessage((m) => got.push(m));
    const admin = new pgLib.Client({ connectionString: pg.url });
    await admin.connect();
    const killed = await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid()");
    await admin.end();
    expect(killed.rowCount).toBeGreaterThanOrEqual(2);
    await new Promise((r) => setTimeout(r, 200)); // both listeners are gone before the send
    await alice.client.send([{ accountId: bob.account.id, deviceId: bob.device.id, envelope: envelope('while deaf') }]);
    await waitFor(() => got.length === 1, 10_000);
    expect(new TextDecoder().decode(got[0]!.envelope)).toBe('while deaf');
    await Promise.all([alice.client.close(), bob.client.close()]);
  });
});
