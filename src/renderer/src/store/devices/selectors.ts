import type { RootState } from '../root';

export const selectDevices = (s: RootState) => s.devices;
export const selectDevicesError = (s: RootState) => s.devicesError;
export const selectProvisionProgress = (s: RootState) => s.provisionProgress;
