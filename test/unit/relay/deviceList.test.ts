import sodium from 'libsodium-wrappers-sumo';
import { beforeAll, describe, expect, it } from 'vitest';
import { deviceListVerifies, generateSigningKey, signDeviceList } from '../../../src/main/relayClient/signing';
import { deviceListSignedBytes, DEVICE_LIST_CONTEXT } from '../../../src/shared/wire/deviceList';
import { toBase64Url } from '../../../src/shared/wire/encoding';
import { verifyDeviceList } from '../../../src/relay/verify';

beforeAll(async () => {
  await sodium.ready;
});

describe('signed device lists', () => {
  it('encode context, account key, version, count and each device key with its added-at time', () => {
    const account = toBase64Url(new Uint8Array(32).fill(1));
    const device = toBase64Url(new Uint8Array(32).fill(2));
    const r = deviceListSignedBytes({ accountId: account, version: 7, devices: [{ deviceId: device, addedAt: 2 ** 32 + 5 }] });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const ctx = new TextEncoder().encode(DEVICE_LIST_CONTEXT);
    expect(r.bytes.length).toBe(ctx.length + 32 + 4 + 4 + 32 + 8);
    expect([...r.bytes.slice(ctx.length + 32, ctx.length + 40)]).toEqual([0, 0, 0, 7, 0, 0, 0, 1]);
    expect([...r.bytes.slice(-8)]).toEqual([0, 0, 0, 1, 0, 0, 0, 5]);
  });

  it('refuses unsorted, empty or malformed lists instead of encoding them', () => {
    const k = (n: number): string => toBase64Url(new Uint8Array(32).fill(n));
    expect(deviceListSignedBytes({ accountId: k(1), version: 1, devices: [{ deviceId: k(3), addedAt: 0 }, { deviceId: k(2), addedAt: 0 }] })).toEqual({ ok: false, problem: 'unsorted-devices' });
    expect(deviceListSignedBytes({ accountId: k(1), version: 1, devices: [] })).toEqual({ ok: false, problem: 'empty' });
    expect(deviceListSignedBytes({ accountId: 'short', version: 1, devices: [{ deviceId: k(2), addedAt: 0 }] })).toEqual({ ok: false, problem: 'bad-account-key' });
    expect(deviceListSignedBytes({ accountId: k(1), version: 0, devices: [{ deviceId: k(2), addedAt: 0 }] })).toEqual({ ok: false, problem: 'bad-version' });
  });

  it('verify on both relay and client only when the account key signed exactly that list', async () => {
    const account = await generateSigningKey();
    const d1 = await generateSigningKey();
    const d2 = await generateSigningKey();
    const list = signDeviceList(account, 3, [{ deviceId: d1.id, addedAt: 10 }, { deviceId: d2.id, addedAt: 20 }]);
    expect(verifyDeviceList(list)).toBe(true);
    expect(deviceListVerifies(list)).toBe(true);
    const extended = { ...list, devices: [...list.devices, { deviceId: (await generateSigningKey()).id, addedAt: 30 }] };
    const bumped = { ...list, version: 4 };
    for (const bad of [extended, bumped]) {
      expect(verifyDeviceList(bad)).toBe(false);
      expect(deviceListVerifies(bad)).toBe(false);
    }
  });
});
