/**
 * The core: everything the app does, in plain Node. The Electron shell, the
 * tests and the UI harness all construct it the same way.
 */
import { CoreEvents } from './events';
import { ConnectionMonitor } from './connection';
import type { AppIdentity } from './appInfo';
import { AppSession } from './session';
import type { Keychain, PwhashParams } from '../store';
import type { Notifier } from './notifications';

/** What a host supplies to build the core: identity, relay, profile directory, and optional keychain, native addon and KDF cost. */
export interface CoreOptions {
  readonly identity: AppIdentity;
  /** Relay URL the client connects to. */
  readonly relayUrl: string;
  /** The profile directory (encrypted store, attachment ciphertexts). */
  readonly dataDir: string;
  readonly keychain?: Keychain | undefined;
  readonly nativeBinding?: string | undefined;
  readonly pwhash?: PwhashParams | undefined;
  /** Where Settings → Export writes (a new dated folder inside each time); default: “Parley exports” in the home folder. */
  readonly exportsDir?: string | undefined;
  /** Shows new-message notifications (the shell's Electron Notification); none in the CLI and tests unless given. */
  readonly notifier?: Notifier | undefined;
}

/** The built core the host holds: events to forward, the connection state, the account session, and close(). */
export interface Core {
  readonly options: CoreOptions;
  readonly events: CoreEvents;
  readonly connection: ConnectionMonitor;
  readonly session: AppSession;
  close(): Promise<void>;
}

/** Wires the event bus, connection monitor and account session; the shell, the CLI and the UI harness all start here. */
export function createCore(options: CoreOptions): Core {
  const events = new CoreEvents();
  const connection = new ConnectionMonitor(events, options.relayUrl);
  const session = new AppSession({
    dataDir: options.dataDir,
    relayUrl: options.relayUrl,
    events,
    connection,
    keychain: options.keychain,
    nativeBinding: options.nativeBinding,
    pwhash: options.pwhash,
    notifier: options.notifier,
  });
  return {
    options,
    events,
    connection,
    session,
    async close() {
      await session.lock();
    },
  };
}
