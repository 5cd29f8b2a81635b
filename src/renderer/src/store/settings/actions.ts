import type { StateCreator } from 'zustand';
import { parley } from '../../bridge';
import type { RootState } from '../root';
import type { SettingsSlice } from './state';

/** The settings slice: loading and changing the settings. */
export const createSettingsSlice: StateCreator<RootState, [], [], SettingsSlice> = (set) => ({
  settings: null,
  async loadSettings() {
    const r = await parley.getSettings();
    if (r.ok) set({ settings: r.value });
  },
  async updateSettings(patch) {
    const r = await parley.updateSettings(patch);
    if (r.ok) set({ settings: r.value });
  },
});
