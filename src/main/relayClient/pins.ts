/**
 * Relay key pinning (docs/protocol.md §3.3): a client remembers the identity
 * key each relay URL proved, from an invite or link code that carried it or
 * on first use, and refuses to sign a challenge for any other key until the
 * user accepts the new one.
 */
import { RELAY_WS_PATH } from '../../shared/constants';
import { fromBase64Url, toBase64Url } from '../../shared/wire/encoding';
import { RELAY_KEY_BYTES } from '../../shared/wire/relay';
import { RelayClientError } from './errors';

/** Where a client keeps its relay pins (the app: the profile's encrypted store; keyed by relayPinId). */
export interface RelayKeyPins {
  /** The key pinned for this relay, or null when none is. */
  pinned(relayId: string): Uint8Array | null;
  /** Pins `key` for this relay, replacing any earlier pin. */
  pin(relayId: string, key: Uint8Array): void;
}

/**
 * The name a pin is kept under: scheme, lower-cased host and port, and the
 * WebSocket path (a bare address means RELAY_WS_PATH), so `ws://Relay:8787`
 * and `ws://relay:8787/v1/ws` share one pin. Query and fragment are dropped.
 */
export function relayPinId(url: string): string {
  const u = new URL(url);
  const path = u.pathname === '/' || u.pathname === '' ? RELAY_WS_PATH : u.pathname;
  return `${u.protocol}//${u.host}${path}`;
}

const equal = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Checks the key a relay proved against the pin for `url`: pins it when there
 * is none yet (trust on first use) and returns 'first-use', returns 'pinned'
 * when it matches, and throws RELAY_KEY_CHANGED (carrying the new key) when it
 * differs, leaving the pin as it was.
 */
export function checkRelayKey(pins: RelayKeyPins, url: string, key: Uint8Array): 'pinned' | 'first-use' {
  const id = relayPinId(url);
  const pinned = pins.pinned(id);
  if (pinned === null) {
    pins.pin(id, key);
    return 'first-use';
  }
  if (equal(pinned, key)) return 'pinned';
  throw new RelayClientError('RELAY_KEY_CHANGED', `The relay at ${id} presented a different identity key than the one pinned for it; not signing in until you accept the new key.`, {
    relayKey: toBase64Url(key),
  });
}

/**
 * Pins the key an invite or link code carried for `url`, when there is no pin
 * yet. Returns 'conflict' (and keeps the pin) when a different key is pinned:
 * the code's sender and this device see different relays under one address.
 */
export function pinFromCode(pins: RelayKeyPins, url: string, key: Uint8Array): 'pinned' | 'already' | 'conflict' {
  const id = relayPinId(url);
  const pinned = pins.pinned(id);
  if (pinned === null) {
    pins.pin(id, key);
    return 'pinned';
  }
  return equal(pinned, key) ? 'already' : 'conflict';
}

/** A relay key from its base64url form, or null when it is not RELAY_KEY_BYTES long. */
export function relayKeyFromId(id: string): Uint8Array | null {
  const key = fromBase64Url(id);
  return key && key.length === RELAY_KEY_BYTES ? key : null;
}

/** Where a profile keeps its pins (the store's directory repository satisfies it). */
export interface PinStorage {
  relayKeyPin(relayId: string): Uint8Array | null;
  setRelayKeyPin(relayId: string, key: Uint8Array): void;
}

/** RelayKeyPins over a profile's storage; `onPinned` hears every new pin (the app records it in the audit log). */
export function storedPins(storage: PinStorage, onPinned: (relayId: string, key: Uint8Array) => void): RelayKeyPins {
  return {
    pinned: (id) => storage.relayKeyPin(id),
    pin: (id, key) => {
      storage.setRelayKeyPin(id, key);
      onPinned(id, key);
    },
  };
}
