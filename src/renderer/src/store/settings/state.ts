import type { SettingsDto } from '../../../../shared/contract';

/** State and actions of the settings slice. */
export interface SettingsSlice {
  readonly settings: SettingsDto | null;
  loadSettings(): Promise<void>;
  updateSettings(patch: Partial<SettingsDto>): Promise<void>;
}
