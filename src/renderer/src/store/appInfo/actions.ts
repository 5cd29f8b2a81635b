import type { StateCreator } from 'zustand';
import { parley } from '../../bridge';
import type { RootState } from '../root';
import type { AppInfoSlice } from './state';

export const createAppInfoSlice: StateCreator<RootState, [], [], AppInfoSlice> = (set) => ({
  appInfo: { status: 'idle' },
  async loadAppInfo() {
    set({ appInfo: { status: 'loading' } });
    const result = await parley.getAppInfo();
    set({
      appInfo: result.ok
        ? { status: 'ready', info: result.value }
        : { status: 'error', code: result.code, message: result.message },
    });
  },
});
