import type { RootState } from '../root';

/** This account's desktops. */
export const selectDevices = (s: RootState) => s.devices;
/** The last devices error to show, or null. */
export const selectDevicesError = (s: RootState) => s.devicesError;
/** Progress of provisioning a new desktop from this one, or null. */
export const selectProvisionProgress = (s: RootState) => s.provisionProgress;
