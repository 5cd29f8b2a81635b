/**
 * A binary `send` (docs/protocol.md §3.5) as the JSON `send` frame it stands
 * for: the relay runs it through the same handler, and the tests' hostile
 * proxy shows it to its hooks in that form.
 */
import { RELAY_PROTOCOL_VERSION } from '../shared/constants';
import type { BinarySend } from '../shared/wire/binarySend';
import type { ClientFrame } from '../shared/wire/relay';

const b64 = (x: Uint8Array): string => Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('base64url');

/** The JSON `send` frame with the same request id and entries (keys and envelopes as base64url). */
export function jsonSendOf(f: BinarySend): Extract<ClientFrame, { type: 'send' }> {
  const messages = f.entries.map((e) => ({ accountId: b64(e.accountKey), deviceId: b64(e.deviceKey), envelope: b64(e.envelope) }));
  return { v: RELAY_PROTOCOL_VERSION, type: 'send', id: f.id, messages };
}
