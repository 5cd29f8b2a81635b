/**
 * The relay's admission rule for a new device list (docs/protocol.md §6.1):
 * every list is the exact successor of the stored one (version + 1; the first
 * list of an account is version 1), and is co-signed by the authenticated
 * device, which the previous list must name. A recovery list (no co-signer)
 * is accepted only at `auth` and names only the authenticating device. The
 * signatures themselves are checked by `verifyDeviceList` before this runs.
 */
import { isV2List, type SignedDeviceList } from '../shared/wire/deviceList';

/** Why a list is admitted or refused: `same` is a repeat of the stored list (a registration on every auth). */
export type ListVerdict = 'ok' | 'same' | 'stale' | 'not-successor' | 'not-cosigned' | 'legacy';

/** Where the list arrived: in `auth` (registration, recovery) or in `putDeviceList` (an authenticated device). */
export type ListPath = 'auth' | 'put';

/** Decides whether `next` may replace `previous` when `device` presents it on `path`. Pure. */
export function admitList(previous: SignedDeviceList | null, next: SignedDeviceList, device: string, path: ListPath): ListVerdict {
  if (previous && next.version === previous.version && next.signature === previous.signature) return 'same';
  if (!isV2List(next)) return 'legacy';
  if (previous && next.version <= previous.version) return 'stale';
  if (next.version !== (previous ? previous.version + 1 : 1)) return 'not-successor';
  if (next.coSigner === null || next.coSigner === undefined) {
    const onlyMe = next.devices.length === 1 && next.devices[0]!.deviceId === device;
    return path === 'auth' && onlyMe ? 'ok' : 'not-cosigned';
  }
  const trusted = previous ?? next;
  if (next.coSigner !== device || !trusted.devices.some((d) => d.deviceId === device)) return 'not-cosigned';
  return 'ok';
}
