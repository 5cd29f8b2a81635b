/** Test helpers for the relay: a real relay on loopback in a temp dir, and registered devices with real keys. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import sodium from 'libsodium-wrappers-sumo';
import { startRelay, type RelayOptions, type RunningRelay } from '../../src/relay/server';
import { RelayClient } from '../../src/main/relayClient/client';
import { generateSigningKey, signDeviceList, signPrekey, type SigningKey } from '../../src/main/relayClient/signing';
import { PreKeyKind } from '../../src/shared/wire/prekeySignature';
import type { SignedDeviceList } from '../../src/shared/wire/deviceList';
import type { WirePrekey } from '../../src/shared/wire/relay';
import { toBase64Url } from '../../src/shared/wire/encoding';

export function tempDir(prefix = 'parley-relay-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function startTestRelay(options: Partial<RelayOptions> = {}): Promise<RunningRelay & { dataDir: string }> {
  const dataDir = options.dataDir ?? tempDir();
  const relay = await startRelay({ logger: pino({ level: 'silent' }), ...options, dataDir });
  return Object.assign(relay, { dataDir });
}

export interface TestDevice {
  readonly account: SigningKey;
  readonly device: SigningKey;
  readonly client: RelayClient;
  list: SignedDeviceList;
}

/** Registers a fresh account whose first device is this one, and authenticates it. */
export async function registerDevice(url: string): Promise<TestDevice> {
  await sodium.ready;
  const account = await generateSigningKey();
  const device = await generateSigningKey();
  const list = signDeviceList(account, 1, [{ deviceId: device.id, addedAt: Date.now() }], device);
  const client = await RelayClient.connect(url);
  await client.authenticate(account.id, device, list);
  return { account, device, client, list };
}

/** Adds a second device to an existing account (signed by the account key) and authenticates it. */
export async function linkDevice(url: string, owner: TestDevice): Promise<TestDevice> {
  const device = await generateSigningKey();
  const list = signDeviceList(owner.account, owner.list.version + 1, [...owner.list.devices, { deviceId: device.id, addedAt: Date.now() }], owner.device);
  await owner.client.putDeviceList(list);
  owner.list = list;
  const client = await RelayClient.connect(url);
  await client.authenticate(owner.account.id, device);
  return { account: owner.account, device, client, list };
}

export function makePrekeys(device: SigningKey, firstId: number, count: number, kind: 'oneTimeEc' | 'oneTimeKem'): WirePrekey[] {
  const out: WirePrekey[] = [];
  for (let i = 0; i < count; i++) {
    const pub = kind === 'oneTimeEc' ? sodium.crypto_box_keypair().publicKey : sodium.crypto_kem_mlkem768_keypair().publicKey;
    out.push(signPrekey(device, kind === 'oneTimeEc' ? PreKeyKind.oneTimeEc : PreKeyKind.oneTimeKem, firstId + i, pub));
  }
  return out;
}

export function makeSignedPrekeys(device: SigningKey): { signedPrekey: WirePrekey; lastResortKem: WirePrekey } {
  return {
    signedPrekey: signPrekey(device, PreKeyKind.signedEc, 1, sodium.crypto_box_keypair().publicKey),
    lastResortKem: signPrekey(device, PreKeyKind.lastResortKem, 1, sodium.crypto_kem_mlkem768_keypair().publicKey),
  };
}

export const envelope = (text: string): string => toBase64Url(new TextEncoder().encode(text));

/** Resolves when `predicate` holds, polling briefly; rejects after `ms`. */
export async function waitFor(predicate: () => boolean, ms = 5_000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > ms) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
