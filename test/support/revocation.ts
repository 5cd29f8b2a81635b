/** Test helpers for device revocation: a list that drops every other device, and a watcher of what a revoked client sees. */
import type { RelayClient } from '../../src/main/relayClient/client';
import { RelayClientError } from '../../src/main/relayClient/errors';
import { signDeviceList } from '../../src/main/relayClient/signing';
import type { SignedDeviceList } from '../../src/shared/wire/deviceList';
import type { TestDevice } from './relayHarness';

/** The account's next list, keeping only `owner`'s own device (every other device is revoked by it). */
export function keepOnly(owner: TestDevice): SignedDeviceList {
  return signDeviceList(owner.account, owner.list.version + 1, owner.list.devices.filter((d) => d.deviceId === owner.device.id), owner.device);
}

/** Records, in order, a client's pushed revocation list ('list') and its close ('close <code>'). */
export function watchRevocation(client: RelayClient): { readonly events: string[]; pushed: SignedDeviceList | null } {
  const seen: { events: string[]; pushed: SignedDeviceList | null } = { events: [], pushed: null };
  client.onRevoked((l) => {
    seen.pushed = l;
    seen.events.push('list');
  });
  client.onClose((code) => seen.events.push(`close ${code}`));
  return seen;
}

/** The typed code a relay call fails with, or 'ok': what an attack got back. */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return e instanceof RelayClientError ? e.code : `untyped ${String(e)}`;
  }
}
