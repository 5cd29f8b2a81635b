import type { RootState } from '../root';

/** The settings, or null before they are loaded. */
export const selectSettings = (s: RootState) => s.settings;
