/**
 * The core: everything the app does, in plain Node. The Electron shell, the
 * CLI and the tests all construct it the same way.
 */
import { CoreEvents } from './events';
import { ConnectionMonitor } from './connection';
import type { AppIdentity } from './appInfo';

export interface CoreOptions {
  readonly identity: AppIdentity;
  /** Relay URL the client connects to. */
  readonly relayUrl: string;
}

export interface Core {
  readonly options: CoreOptions;
  readonly events: CoreEvents;
  readonly connection: ConnectionMonitor;
  close(): Promise<void>;
}

export function createCore(options: CoreOptions): Core {
  const events = new CoreEvents();
  const connection = new ConnectionMonitor(events, options.relayUrl);
  return {
    options,
    events,
    connection,
    async close() {
      /* nothing held open yet */
    },
  };
}
