import type { AppInfo } from '../../../../shared/contract';

export type AppInfoState =
  | { readonly status: 'idle' }
  | { readonly status: 'loading' }
  | { readonly status: 'ready'; readonly info: AppInfo }
  | { readonly status: 'error'; readonly code: string; readonly message: string };

export interface AppInfoSlice {
  readonly appInfo: AppInfoState;
  loadAppInfo(): Promise<void>;
}
