import type { SettingsDto } from '../../../../shared/contract';

export interface SettingsSlice {
  readonly settings: SettingsDto | null;
  loadSettings(): Promise<void>;
  updateSettings(patch: Partial<SettingsDto>): Promise<void>;
}
