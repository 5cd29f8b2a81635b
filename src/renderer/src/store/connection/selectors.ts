import type { RootState } from '../root';

const LABELS = { offline: 'Offline', connecting: 'Connecting…', online: 'Connected' } as const;

export const selectConnectionLabel = (s: RootState): string =>
  s.connection ? LABELS[s.connection.state] : 'Offline';
export const selectConnection = (s: RootState) => s.connection;
