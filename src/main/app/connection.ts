/**
 * The relay connection state the UI always shows. The relay client drives it
 * through `set`; every change is pushed to the renderer as `connectionState`.
 */
import type { ConnectionState } from '../../shared/contract';
import type { CoreEvents } from './events';

/** Holds the current relay connection state and announces each change to the window. */
export class ConnectionMonitor {
  #state: ConnectionState;
  readonly #events: CoreEvents;

  constructor(events: CoreEvents, relay: string) {
    this.#events = events;
    this.#state = { state: 'offline', relay, retryInMs: null };
  }

  get current(): ConnectionState {
    return this.#state;
  }

  set(next: ConnectionState): void {
    const prev = this.#state;
    if (prev.state === next.state && prev.relay === next.relay && prev.retryInMs === next.retryInMs && prev.reason === next.reason && prev.relayKey === next.relayKey) return;
    this.#state = next;
    this.#events.emit('connectionState', next);
  }
}
