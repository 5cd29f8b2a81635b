import type { ConnectionState } from '../../../../shared/contract';

export interface ConnectionSlice {
  readonly connection: ConnectionState | null;
  /** Loads the current state and follows `connectionState` events; returns the unsubscribe. */
  watchConnection(): () => void;
}
