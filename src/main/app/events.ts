/**
 * Typed main → renderer event bus. The core emits; the Electron shell (or a
 * test host) forwards each event to the window over the contract's channel.
 */
import { events, type EventName, type EventPayload } from '../../shared/contract';

/** A subscriber to every main → renderer event, typed by event name. */
export type EventListener = <K extends EventName>(name: K, payload: EventPayload<K>) => void;

/** The bus the core emits UI events on; payloads are checked against the contract before any listener sees them. */
export class CoreEvents {
  readonly #listeners = new Set<EventListener>();

  /** Subscribes to every event; returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit<K extends EventName>(name: K, payload: EventPayload<K>): void {
    // Validate on the way out too: an event that does not match the contract is a bug in main.
    const checked = events[name].parse(payload) as EventPayload<K>;
    for (const listener of this.#listeners) listener(name, checked);
  }
}
