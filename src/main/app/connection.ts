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

  /** A new link state from the relay client; catch-up progress carries over while online. */
  set(next: ConnectionState): void {
    const prev = this.#state;
    const receiving = next.state === 'online' ? (next.receiving ?? prev.receiving) : undefined;
    this.#apply({ ...next, ...(receiving ? { receiving } : {}) });
  }

  /** Catch-up progress (once per receive batch), or null once caught up. */
  receiving(progress: { readonly done: number; readonly total: number } | null): void {
    const { receiving: _old, ...rest } = this.#state;
    this.#apply({ ...rest, ...(progress ? { receiving: { done: progress.done, total: progress.total } } : {}) });
  }

  #apply(merged: ConnectionState): void {
    const prev = this.#state;
    if (
      prev.state === merged.state && prev.relay === merged.relay && prev.retryInMs === merged.retryInMs && prev.reason === merged.reason && prev.relayKey === merged.relayKey &&
      prev.receiving?.done === merged.receiving?.done && prev.receiving?.total === merged.receiving?.total
    ) return;
    this.#state = merged;
    this.#events.emit('connectionState', merged);
  }
}
