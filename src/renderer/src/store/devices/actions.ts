import type { StateCreator } from 'zustand';
import { parley } from '../../bridge';
import type { RootState } from '../root';
import { toUiError, unwrap } from '../types';
import type { DevicesSlice } from './state';

/** The devices slice: this account's desktops, linking a new one, renaming and revoking. */
export const createDevicesSlice: StateCreator<RootState, [], [], DevicesSlice> = (set, get) => ({
  devices: [],
  devicesError: null,
  provisionProgress: null,
  revokedName: null,
  async loadDevices() {
    const r = await parley.listDevices();
    if (r.ok) set({ devices: r.value });
    else set({ devicesError: { code: r.code, message: r.message } });
  },
  watchDevices() {
    const a = parley.onDevicesChanged(() => void get().loadDevices());
    const b = parley.onTransferProgress((p) => {
      if (p.kind === 'provision') set({ provisionProgress: p });
    });
    return () => {
      a();
      b();
    };
  },
  async revokeDevice(deviceId) {
    set({ devicesError: null });
    const name = get().devices.find((d) => d.id === deviceId)?.name ?? null;
    const r = await parley.revokeDevice({ deviceId });
    await get().loadDevices();
    if (!r.ok) set({ devicesError: { code: r.code, message: r.message } });
    else set({ revokedName: name ?? 'The removed device' });
    return r.ok;
  },
  async secureAccount() {
    set({ devicesError: null });
    // Main asks the user in its own dialog first; the new words live only in the session slice (never persisted) until confirmed.
    const r = await parley.secureAccount();
    if (!r.ok) {
      set({ devicesError: { code: r.code, message: r.message } });
      return null;
    }
    set({ revokedName: null, pendingPhrase: { phrase: r.value.phrase, confirmIndices: r.value.confirmIndices } });
    return { secured: r.value.secured };
  },
  dismissSecure() {
    set({ revokedName: null });
  },
  async inspectLink(link) {
    set({ devicesError: null });
    const r = await parley.inspectLink({ link });
    if (r.ok) return r.value;
    set({ devicesError: { code: r.code, message: r.message } });
    return null;
  },
  async acceptLink(link, historyDays) {
    set({ devicesError: null, provisionProgress: null });
    try {
      const linked = unwrap(await parley.acceptLink({ link, historyDays }));
      await get().loadDevices();
      return linked;
    } catch (e) {
      set({ devicesError: toUiError(e) });
      return null;
    }
  },
  clearDevicesError() {
    set({ devicesError: null, provisionProgress: null });
  },
});
