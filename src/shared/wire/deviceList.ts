/**
 * An account's device list, signed by the account's Ed25519 key and (v2)
 * co-signed by a device of the previous list. The relay stores and hands it
 * out but cannot forge, extend or roll it back: every reader verifies the
 * signatures over the canonical bytes below and keeps the highest version it
 * has seen (docs/protocol.md §6.1).
 *
 *   v2: "Parley-DeviceList-v2" ‖ accountKey (32) ‖ version (u32)
 *     ‖ coSigner (32; all zero for a recovery list signed by the account key alone)
 *     ‖ count (u32) ‖ { deviceKey (32) ‖ addedAt ms (u64) } × count
 *   v1 (legacy, verified but no longer accepted as a new list by the relay):
 *     "Parley-DeviceList-v1" ‖ accountKey (32) ‖ version (u32) ‖ count (u32) ‖ devices
 *
 * Devices appear in strictly ascending byte order of their keys, so one list
 * has exactly one encoding. No names or other personal metadata are signed
 * or stored.
 */
import { concatBytes, fromBase64Url, u32be, utf8Bytes } from './encoding';

/** Domain-separation prefix of legacy (v1) signed device-list bytes. */
export const DEVICE_LIST_CONTEXT = 'Parley-DeviceList-v1';
/** Domain-separation prefix of v2 signed device-list bytes (with the co-signer). */
export const DEVICE_LIST_CONTEXT_V2 = 'Parley-DeviceList-v2';
/** Length of an Ed25519 public key (account and device keys). */
export const ED25519_PUBLIC_KEY_BYTES = 32;
/** Length of an Ed25519 signature. */
export const ED25519_SIGNATURE_BYTES = 64;

/** One device in an account's list: its identity key and when it was added. */
export interface DeviceEntry {
  /** Unpadded base64url of the device's Ed25519 identity public key. */
  readonly deviceId: string;
  /** When the device was added, ms since the epoch. */
  readonly addedAt: number;
}

/** An account's devices at one version, before signing. */
export interface DeviceList {
  /** Unpadded base64url of the account's Ed25519 public key. */
  readonly accountId: string;
  /** Strictly increases with every new list for the account. */
  readonly version: number;
  readonly devices: readonly DeviceEntry[];
}

/** A device list with the account key's signature over its canonical bytes. */
export interface SignedDeviceList extends DeviceList {
  /** Unpadded base64url Ed25519 signature by the account key over deviceListSignedBytes. */
  readonly signature: string;
  /**
   * v2 only: the device of the previous list that co-signs this one, or null for a
   * recovery list (account key alone). Absent on a legacy v1 list.
   */
  readonly coSigner?: string | null;
  /** v2 with a co-signer: that device key's Ed25519 signature over the same bytes. */
  readonly coSignature?: string;
}

/** True for a v2 list (it names its co-signer, or null for a recovery list). */
export const isV2List = (list: { coSigner?: string | null }): boolean => list.coSigner !== undefined;

/** Why a device list was refused when parsed or checked. */
export type DeviceListProblem = 'bad-account-key' | 'bad-co-signer' | 'bad-device-key' | 'bad-version' | 'bad-added-at' | 'unsorted-devices' | 'empty';

/** Decodes a 32-byte Ed25519 public key from its id form, or null. */
export function publicKeyFromId(id: string): Uint8Array | null {
  const bytes = fromBase64Url(id);
  return bytes && bytes.length === ED25519_PUBLIC_KEY_BYTES ? bytes : null;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function u64be(n: number): Uint8Array {
  const hi = Math.floor(n / 0x1_0000_0000);
  return concatBytes(u32be(hi), u32be(n - hi * 0x1_0000_0000));
}

/** The exact bytes the account key signs, or a problem describing why the list is not well formed. */
export function deviceListSignedBytes(list: DeviceList & { coSigner?: string | null }): { ok: true; bytes: Uint8Array } | { ok: false; problem: DeviceListProblem } {
  const accountKey = publicKeyFromId(list.accountId);
  if (!accountKey) return { ok: false, problem: 'bad-account-key' };
  if (!Number.isInteger(list.version) || list.version < 1 || list.version > 0xffffffff) return { ok: false, problem: 'bad-version' };
  if (list.devices.length === 0) return { ok: false, problem: 'empty' };
  const coSigner = list.coSigner === undefined ? undefined : list.coSigner === null ? new Uint8Array(ED25519_PUBLIC_KEY_BYTES) : publicKeyFromId(list.coSigner);
  if (coSigner === null) return { ok: false, problem: 'bad-co-signer' };
  const parts: Uint8Array[] = coSigner === undefined
    ? [utf8Bytes(DEVICE_LIST_CONTEXT), accountKey, u32be(list.version), u32be(list.devices.length)]
    : [utf8Bytes(DEVICE_LIST_CONTEXT_V2), accountKey, u32be(list.version), coSigner, u32be(list.devices.length)];
  let previous: Uint8Array | null = null;
  for (const device of list.devices) {
    const key = publicKeyFromId(device.deviceId);
    if (!key) return { ok: false, problem: 'bad-device-key' };
    if (!Number.isSafeInteger(device.addedAt) || device.addedAt < 0) return { ok: false, problem: 'bad-added-at' };
    if (previous && compareBytes(previous, key) >= 0) return { ok: false, problem: 'unsorted-devices' };
    previous = key;
    parts.push(key, u64be(device.addedAt));
  }
  return { ok: true, bytes: concatBytes(...parts) };
}

/** Sorts devices into the canonical order (ascending key bytes); signers call this before signing. */
export function canonicalDevices(devices: readonly DeviceEntry[]): DeviceEntry[] {
  return [...devices].sort((a, b) => compareBytes(fromBase64Url(a.deviceId) ?? new Uint8Array(), fromBase64Url(b.deviceId) ?? new Uint8Array()));
}
