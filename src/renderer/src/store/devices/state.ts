import type { CallResponse, DeviceDto, TransferProgressDto } from '../../../../shared/contract';
import type { UiError } from '../types';

/** This account's desktops: the list, revoking one, and linking a new one from here. */
export interface DevicesSlice {
  readonly devices: readonly DeviceDto[];
  readonly devicesError: UiError | null;
  /** The latest `transferProgress` of kind 'provision'. */
  readonly provisionProgress: TransferProgressDto | null;
  loadDevices(): Promise<void>;
  /** Follows `devicesChanged` and provisioning progress; returns the unsubscribe. */
  watchDevices(): () => void;
  revokeDevice(deviceId: string): Promise<boolean>;
  /** The device just revoked from here, whose copy of the account key "Remove and secure" retires; null when none. */
  readonly revokedName: string | null;
  /**
   * "Remove and secure": a new account key and phrase (the phrase then shows like a new account's), the old key
   * retired on the relay. Resolves with whether the relay step finished; null with `devicesError` set on failure.
   */
  secureAccount(): Promise<{ secured: boolean } | null>;
  /** Hides the "Remove and secure" offer ("Not now"). */
  dismissSecure(): void;
  /** The new desktop's name from its link code, this account's name and the short code both desktops show; null with `devicesError` set. */
  inspectLink(link: string): Promise<CallResponse<'inspectLink'> | null>;
  /** Sends the account to the new desktop; null with `devicesError` set on failure. */
  acceptLink(link: string, historyDays: number | null): Promise<CallResponse<'acceptLink'> | null>;
  clearDevicesError(): void;
}
