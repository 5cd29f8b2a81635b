/**
 * Device-list authority at the relay (issue 13 §1, docs/protocol.md §6.1): a
 * list is the exact successor of the stored one and is co-signed by a device
 * of the previous list, so a revoked device holding the account key cannot
 * re-add itself, remove others, or pin or exhaust the version.
 */
import sodium from 'libsodium-wrappers-sumo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RelayClient } from '../../src/main/relayClient/client';
import { RelayClientError } from '../../src/main/relayClient/errors';
import { generateSigningKey, signDeviceList } from '../../src/main/relayClient/signing';
import { canonicalDevices, deviceListSignedBytes, type SignedDeviceList } from '../../src/shared/wire/deviceList';
import { toBase64Url } from '../../src/shared/wire/encoding';
import { startTestPostgres, type TestPostgres } from '../support/postgres';
import { linkDevice, registerDevice, startTestRelay, type TestDevice } from '../support/relayHarness';
import { codeOf, keepOnly } from '../support/revocation';

/** Account A with devices a (stays) and b (revoked by a, still holding the account key and its own device key). */
async function revokedDevice(url: string): Promise<{ a: TestDevice; b: TestDevice }> {
  const a = await registerDevice(url);
  const b = await linkDevice(url, a);
  await b.client.close();
  a.list = keepOnly(a);
  await a.client.putDeviceList(a.list);
  return { a, b };
}

describe.each(['sqlite', 'postgres'] as const)('device-list authority on %s', (kind) => {
  let relay: Awaited<ReturnType<typeof startTestRelay>>;
  let pg: TestPostgres | null = null;
  const stored = async (accountId: string): Promise<SignedDeviceList | null> => relay.context.store.getDeviceList(accountId);

  beforeAll(async () => {
    await sodium.ready;
    if (kind === 'postgres') pg = await startTestPostgres();
    relay = await startTestRelay(pg ? { db: pg.url } : {});
  });
  afterAll(async () => {
    await relay.close();
    await pg?.stop();
  });

  it('refuses every version but the stored one plus one, so nobody can pin or exhaust the version', async () => {
    const a = await registerDevice(relay.url);
    const relinked = a.list.devices.map((d) => ({ ...d, addedAt: d.addedAt + 1 })); // another list, so the same version is no repeat
    for (const version of [0xffffffff, a.list.version + 2, a.list.version]) {
      const err = await a.client.putDeviceList(signDeviceList(a.account, version, relinked, a.device)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RelayClientError);
      expect((err as RelayClientError).code).toBe(version === a.list.version ? 'STALE_DEVICE_LIST' : 'DEVICE_LIST_NOT_SUCCESSOR');
      expect((err as RelayClientError).deviceList).toEqual(a.list); // the refusal shows the current list, so an honest signer can follow it
    }
    expect((await stored(a.account.id))?.version).toBe(1);
    expect(await codeOf(a.client.putDeviceList(signDeviceList(a.account, 2, a.list.devices, a.device)))).toBe('ok');
    await a.client.close();
  });

  it('refuses a list co-signed by a device other than the one publishing it, or by none', async () => {
    const a = await registerDevice(relay.url);
    const stranger = await generateSigningKey();
    const devices = [...a.list.devices, { deviceId: stranger.id, addedAt: 1 }];
    expect(await codeOf(a.client.putDeviceList(signDeviceList(a.account, 2, devices, stranger)))).toBe('DEVICE_LIST_NOT_COSIGNED');
    expect(await codeOf(a.client.putDeviceList(signDeviceList(a.account, 2, devices)))).toBe('DEVICE_LIST_NOT_COSIGNED');
    const forgedCo = { ...signDeviceList(a.account, 2, devices, a.device), coSignature: signDeviceList(a.account, 2, devices, stranger).coSignature };
    expect(await codeOf(a.client.putDeviceList(forgedCo))).toBe('BAD_SIGNATURE');
    expect((await stored(a.account.id))?.version).toBe(1);
    await a.client.close();
  });

  it('refuses a legacy v1 list as a new list', async () => {
    const a = await registerDevice(relay.url);
    const body = { accountId: a.account.id, version: 2, devices: canonicalDevices(a.list.devices) };
    const bytes = deviceListSignedBytes(body);
    if (!bytes.ok) throw new Error(bytes.problem);
    const legacy = { ...body, signature: toBase64Url(sodium.crypto_sign_detached(bytes.bytes, a.account.secretKey)) };
    expect(await codeOf(a.client.putDeviceList(legacy))).toBe('DEVICE_LIST_NOT_COSIGNED');
    await a.client.close();
  });

  it('does not let a revoked device holding the account key re-add itself or remove the device that revoked it', async () => {
    const { a, b } = await revokedDevice(relay.url);
    const current = a.list;
    const readd = signDeviceList(a.account, current.version + 1, [...current.devices, ...b.list.devices.filter((d) => d.deviceId === b.device.id)], b.device);
    const takeover = signDeviceList(a.account, current.version + 1, b.list.devices.filter((d) => d.deviceId === b.device.id), b.device);
    const pinned = signDeviceList(a.account, 0xffffffff, [...current.devices, { deviceId: b.device.id, addedAt: 1 }], b.device);
    for (const list of [readd, takeover, pinned]) {
      const c = await RelayClient.connect(relay.url);
      expect(await codeOf(c.authenticate(a.account.id, b.device, list))).toBe('DEVICE_REVOKED');
    }
    expect(await stored(a.account.id)).toEqual(current);
    expect(await codeOf(a.client.putDeviceList(signDeviceList(a.account, current.version + 1, current.devices, a.device)))).toBe('ok');
    await a.client.close();
  });
});
