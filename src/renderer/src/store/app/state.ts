import type { AppInfo, ConnectionState } from '../../../../shared/contract';

/** Build information: loading, loaded, or failed to load. */
export type AppInfoState =
  | { readonly status: 'loading' }
  | { readonly status: 'ready'; readonly info: AppInfo }
  | { readonly status: 'error'; readonly code: string; readonly message: string };

/** State and actions of the app slice. */
export interface AppSlice {
  readonly appInfo: AppInfoState;
  readonly connection: ConnectionState | null;
  loadAppInfo(): Promise<void>;
  /** Loads the connection state and follows `connectionState`; returns the unsubscribe. */
  watchConnection(): () => void;
}
