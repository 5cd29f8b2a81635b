import type { StateCreator } from 'zustand';
import { parley } from '../../bridge';
import type { RootState } from '../root';
import type { AppSlice } from './state';

/** The app slice: build information and the relay connection state. */
export const createAppSlice: StateCreator<RootState, [], [], AppSlice> = (set) => ({
  appInfo: { status: 'loading' },
  connection: null,
  async loadAppInfo() {
    const r = await parley.getAppInfo();
    set({ appInfo: r.ok ? { status: 'ready', info: r.value } : { status: 'error', code: r.code, message: r.message } });
  },
  watchConnection() {
    const stop = parley.onConnectionState((next) => set({ connection: next }));
    void parley.getConnectionState().then((r) => {
      if (r.ok) set({ connection: r.value });
    });
    return stop;
  },
});
