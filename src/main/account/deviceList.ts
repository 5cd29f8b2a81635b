/**
 * This account's own devices: the signed device list (kept as the last list
 * this device signed or verified), the local `own_devices` rows with names
 * and last-seen times, publishing a new list (link, revoke, recovery) and
 * refreshing from the relay. Names never go into the signed list (the relay
 * would see them); own devices tell each other names end to end.
 */
import { DEVICE_LIST_CLOCK_MS, DEVICE_LIST_EPOCH_MS } from '../../shared/constants';
import type { DeviceEntry, SignedDeviceList } from '../../shared/wire/deviceList';
import type { RelayClient } from '../relayClient/client';
import { deviceListVerifies, signDeviceList } from '../relayClient/signing';
import type { LocalStore } from '../store';
import type { DeviceKeys } from './keys';
import { ChatError } from './errors';

const SETTING_SIGNED_LIST = 'devices.signedList';
/** Name a device gets until one of our devices tells us what it is called. */
export const UNNAMED_DEVICE = 'Linked desktop';

/** One of this account's devices, as the Devices screen lists it. */
export interface OwnDevice {
  readonly deviceId: string;
  readonly name: string;
  readonly isThisDevice: boolean;
  readonly linkedAt: number;
  readonly lastSeenAt: number | null;
}

/**
 * The next list version: above every version seen, and at least the list
 * clock (DEVICE_LIST_CLOCK_MS ticks since DEVICE_LIST_EPOCH_MS), so a device
 * that cannot read the previous list (recovery) still signs a newer one.
 * Versions are u32 in the signed encoding.
 */
export function nextListVersion(known: number, now: number): number {
  return Math.max(known + 1, Math.floor((now - DEVICE_LIST_EPOCH_MS) / DEVICE_LIST_CLOCK_MS));
}

/** The last signed device list this device made or verified, or null. */
export function storedList(store: LocalStore): SignedDeviceList | null {
  const raw = store.directory.setting(SETTING_SIGNED_LIST);
  return raw ? (JSON.parse(raw) as SignedDeviceList) : null;
}

/** The version of the stored list (0 when none): a revocation must be newer. */
export function knownListVersion(store: LocalStore): number {
  return storedList(store)?.version ?? 0;
}

/** This account's devices, oldest link first. */
export function listOwnDevices(store: LocalStore): OwnDevice[] {
  return store.ownDevices.all();
}

/** Makes `own_devices` match a verified list: new devices are added (unnamed until told), removed ones go with their sessions. */
export function adoptList(store: LocalStore, list: SignedDeviceList, thisDevice: string): { added: string[]; removed: string[] } {
  const current = new Map(listOwnDevices(store).map((d) => [d.deviceId, d]));
  const listed = new Set(list.devices.map((d) => d.deviceId));
  const added: string[] = [];
  const removed: string[] = [];
  store.db.transaction(() => {
    for (const d of list.devices) {
      if (current.has(d.deviceId)) continue;
      store.ownDevices.add(d.deviceId, UNNAMED_DEVICE, d.deviceId === thisDevice, d.addedAt);
      added.push(d.deviceId);
    }
    for (const id of current.keys()) {
      if (listed.has(id) || id === thisDevice) continue;
      store.ownDevices.remove(id, `${list.accountId}.${id}`);
      removed.push(id);
    }
    store.directory.setSetting(SETTING_SIGNED_LIST, JSON.stringify(list));
  })();
  return { added, removed };
}

/** Sets the name one of our devices is shown under. */
export function nameDevice(store: LocalStore, deviceId: string, name: string): void {
  store.ownDevices.rename(deviceId, name);
}

/** Records when another of our devices was last heard from. */
export function noteSeen(store: LocalStore, deviceId: string, at: number): void {
  store.ownDevices.noteSeen(deviceId, at);
}

/** Signs the account's next list with exactly `devices` (the account key is on every device of the account). */
export function signNextList(store: LocalStore, keys: DeviceKeys, devices: readonly DeviceEntry[], now: number): SignedDeviceList {
  return signDeviceList(keys.accountSigner, nextListVersion(knownListVersion(store), now), devices);
}

/** Publishes a new list on the relay, then records it here; the relay refuses a stale one. */
export async function publishList(store: LocalStore, keys: DeviceKeys, client: RelayClient, devices: readonly DeviceEntry[], now: number): Promise<SignedDeviceList> {
  const list = signNextList(store, keys, devices, now);
  await client.putDeviceList(list);
  adoptList(store, list, keys.deviceId);
  return list;
}

/** The devices of the current list as entries (ids and link times), for building the next list. */
export function currentEntries(store: LocalStore): DeviceEntry[] {
  const list = storedList(store);
  if (list) return list.devices.map((d) => ({ deviceId: d.deviceId, addedAt: d.addedAt }));
  return listOwnDevices(store).map((d) => ({ deviceId: d.deviceId, addedAt: d.linkedAt }));
}

/** Fetches this account's list from the relay (signature and version checked by the client) and adopts it. */
export async function refreshOwnList(store: LocalStore, keys: DeviceKeys, client: RelayClient): Promise<{ added: string[]; removed: string[] }> {
  const list = await client.getDeviceList(keys.accountId);
  if (list.accountId !== keys.accountId || !deviceListVerifies(list)) {
    throw new ChatError('CHAT_BAD_DEVICE_LIST', 'The relay answered with a device list this account did not sign.');
  }
  if (list.version < knownListVersion(store)) return { added: [], removed: [] };
  return adoptList(store, list, keys.deviceId);
}
