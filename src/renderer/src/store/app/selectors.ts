import type { RootState } from '../root';

const LABELS = { offline: 'Offline', connecting: 'Connecting…', online: 'Connected' } as const;

export const selectAppInfo = (s: RootState) => s.appInfo;
export const selectConnection = (s: RootState) => s.connection;
export const selectConnectionLabel = (s: RootState): string => {
  const c = s.connection;
  if (!c) return 'Offline';
  if (c.state === 'offline' && c.retryInMs !== null) return `Offline · retrying in ${Math.ceil(c.retryInMs / 1000)} s`;
  return LABELS[c.state];
};
