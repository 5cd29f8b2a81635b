/**
 * This account's own devices: the signed device list (kept as the last list
 * this device signed or verified), the local `own_devices` rows with names
 * and last-seen times, publishing a new list (link, revoke, recovery) and
 * refreshing from the relay. Names never go into the signed list (the relay
 * would see them); own devices tell each other names end to end.
 */
import type { DeviceEntry, SignedDeviceList } from '../../shared/wire/deviceList';
import type { ListBook, RelayClient } from '../relayClient/client';
import { RelayClientError } from '../relayClient/errors';
import { deviceListHead, deviceListVerifies, signDeviceList } from '../relayClient/signing';
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
 * The next list version: exactly one above the last one known (the relay
 * refuses any other, docs/protocol.md §6.1); an account's first list is 1. A
 * device that cannot read the previous list (recovery) learns the relay's
 * current list from the refusal and signs its successor (`resignAfter`).
 */
export function nextListVersion(known: number): number {
  return known + 1;
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

/** Called inside adoptList's transaction with the devices it added (so what they are owed is logged in the same commit). */
export type OnAdded = (added: readonly DeviceEntry[]) => void;

/**
 * Makes `own_devices` match a verified list: new devices are added (unnamed
 * until told), removed ones go with their sessions. `onAdded` runs in the
 * same transaction with the new devices' entries.
 */
export function adoptList(store: LocalStore, list: SignedDeviceList, thisDevice: string, onAdded?: OnAdded): { added: string[]; removed: string[] } {
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
    store.listHeads.note(list.accountId, list.version, deviceListHead(list), Date.now());
    if (onAdded && added.length > 0) onAdded(list.devices.filter((d) => added.includes(d.deviceId)));
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

/**
 * Signs the successor of `previous` with exactly `devices`: account key, and
 * this device's co-signature when `previous` names it (or there is no
 * previous list, a new account); otherwise a recovery list (account key alone).
 */
export function signSuccessor(previous: SignedDeviceList | null, keys: DeviceKeys, devices: readonly DeviceEntry[]): SignedDeviceList {
  const listed = !previous || previous.devices.some((d) => d.deviceId === keys.deviceId);
  return signDeviceList(keys.accountSigner, nextListVersion(previous?.version ?? 0), devices, listed ? keys.deviceSigner : null);
}

/** Signs the account's next list after the stored one with exactly `devices`. */
export function signNextList(store: LocalStore, keys: DeviceKeys, devices: readonly DeviceEntry[]): SignedDeviceList {
  return signSuccessor(storedList(store), keys, devices);
}

/**
 * The relay refused our list as not the successor and showed its `current`
 * one: if that list is genuinely this account's and not older than ours, sign
 * its successor with the devices we meant, store it and return it (null otherwise).
 */
export function resignAfter(store: LocalStore, keys: DeviceKeys, current: SignedDeviceList): SignedDeviceList | null {
  if (current.accountId !== keys.accountId || !deviceListVerifies(current) || current.version < knownListVersion(store) - 1) return null;
  const meant = storedList(store);
  const devices = current.devices.some((d) => d.deviceId === keys.deviceId) ? (meant?.devices ?? current.devices) : [{ deviceId: keys.deviceId, addedAt: Date.now() }];
  const list = signSuccessor(current, keys, devices);
  adoptList(store, list, keys.deviceId);
  return list;
}

/** Publishes a new list on the relay, then records it here; a refused one (a list we had not seen) is re-signed once over the relay's current list. */
export async function publishList(store: LocalStore, keys: DeviceKeys, client: RelayClient, devices: readonly DeviceEntry[]): Promise<SignedDeviceList> {
  let list = signNextList(store, keys, devices);
  try {
    await client.putDeviceList(list);
  } catch (e) {
    const current = e instanceof RelayClientError && (e.code === 'STALE_DEVICE_LIST' || e.code === 'DEVICE_LIST_NOT_SUCCESSOR') ? e.deviceList : undefined;
    if (!current || current.accountId !== keys.accountId || !deviceListVerifies(current) || current.version < knownListVersion(store)) throw e;
    list = signSuccessor(current, keys, devices);
    await client.putDeviceList(list);
  }
  adoptList(store, list, keys.deviceId);
  return list;
}

/** The devices of the current list as entries (ids and link times), for building the next list. */
export function currentEntries(store: LocalStore): DeviceEntry[] {
  const list = storedList(store);
  if (list) return list.devices.map((d) => ({ deviceId: d.deviceId, addedAt: d.addedAt }));
  return listOwnDevices(store).map((d) => ({ deviceId: d.deviceId, addedAt: d.linkedAt }));
}

/** The persisted highest list version of every account, for the relay client (own account: never below the stored list). */
export function listBook(store: LocalStore, ownAccount: () => string): ListBook {
  return {
    floor: (accountId) => Math.max(store.listHeads.get(accountId)?.version ?? 0, accountId === ownAccount() ? knownListVersion(store) : 0),
    seen: (list) => void store.listHeads.note(list.accountId, list.version, deviceListHead(list), Date.now()),
  };
}

/** Fetches this account's list from the relay (signature and version checked by the client) and adopts it (`onAdded` as for adoptList). */
export async function refreshOwnList(store: LocalStore, keys: DeviceKeys, client: RelayClient, onAdded?: OnAdded): Promise<{ added: string[]; removed: string[] }> {
  const list = await client.getDeviceList(keys.accountId);
  if (list.accountId !== keys.accountId || !deviceListVerifies(list)) {
    throw new ChatError('CHAT_BAD_DEVICE_LIST', 'The relay answered with a device list this account did not sign.');
  }
  if (list.version < knownListVersion(store)) return { added: [], removed: [] };
  return adoptList(store, list, keys.deviceId, onAdded);
}
