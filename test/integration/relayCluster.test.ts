import pgLib from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RelayClient, type IncomingMessage } from '../../src/main/relayClient/client';
import { signDeviceList } from '../../src/main/relayClient/signing';
import { startTestPostgres, type TestPostgres } from '../support/postgres';
import { envelope, linkDevice, makePrekeys, makeSignedPrekeys, registerDevice, startTestRelay, waitFor } from '../support/relayHarness';

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

  it('close a revoked device connection on the other instance', async () => {
    const owner = await registerDevice(a.url);
    const second = await linkDevice(b.url, owner);
    let code = 0;
    second.client.onClose((c) => (code = c));
    await owner.client.putDeviceList(signDeviceList(owner.account, owner.list.version + 1, owner.list.devices.filter((d) => d.deviceId === owner.device.id)));
    await waitFor(() => code !== 0);
    expect(code).toBe(4003);
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
