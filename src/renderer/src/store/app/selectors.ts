import type { RootState } from '../root';

const LABELS = { offline: 'Offline', connecting: 'Connecting…', online: 'Connected' } as const;

/** The build information, or its loading or error state. */
export const selectAppInfo = (s: RootState) => s.appInfo;
/** The relay connection state, or null before it is known. */
export const selectConnection = (s: RootState) => s.connection;
/** The connection state as a label, with the reconnect countdown while offline. */
export const selectConnectionLabel = (s: RootState): string => {
  const c = s.connection;
  if (!c) return 'Offline';
  if (c.reason === 'relayKeyChanged') return 'Relay identity changed · not signed in';
  if (c.state === 'offline' && c.retryInMs !== null) return `Offline · retrying in ${Math.ceil(c.retryInMs / 1000)} s`;
  if (c.state === 'online' && c.receiving) return `Receiving ${c.receiving.done.toLocaleString('en-US')} of ${c.receiving.total.toLocaleString('en-US')}`;
  return LABELS[c.state];
};
