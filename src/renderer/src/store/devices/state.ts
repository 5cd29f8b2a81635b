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
  /** The new desktop's name from its link code, this account's name and the short code both desktops show; null with `devicesError` set. */
  inspectLink(link: string): Promise<CallResponse<'inspectLink'> | null>;
  /** Sends the account to the new desktop; null with `devicesError` set on failure. */
  acceptLink(link: string, historyDays: number | null): Promise<CallResponse<'acceptLink'> | null>;
  clearDevicesError(): void;
}
