import type { RootState } from '../root';

export const selectSettings = (s: RootState) => s.settings;
