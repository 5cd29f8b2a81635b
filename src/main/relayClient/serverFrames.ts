/**
 * What the relay client reads out of server frames before it uses them: the
 * signed challenge, reply bodies checked per request type, and device lists
 * in error details (well formed only; their signatures are checked by the caller).
 */
import type { z } from 'zod';
import type { SignedDeviceList } from '../../shared/wire/deviceList';
import { fromBase64Url } from '../../shared/wire/encoding';
import { challengeFrameSchema, deviceListSchema, RELAY_CHALLENGE_BYTES, replySchemas } from '../../shared/wire/relay';
import { RelayClientError } from './errors';
import { relayKeyFromId } from './pins';
import { relayChallengeVerifies } from './signing';

/** A signed list as a request carries it (a plain copy). */
export const wireList = (l: SignedDeviceList) => ({ ...l, devices: l.devices.map((d) => ({ ...d })) });
/** A device list from a server frame if it is well formed (signature not checked: see confirmRevocation). */
export const wellFormedList = (l: unknown): SignedDeviceList | undefined => {
  const r = deviceListSchema.safeParse(l);
  return r.success ? r.data : undefined;
};

type Replies = typeof replySchemas;

/** A reply body checked against its request type's schema; a malformed one is BAD_RESPONSE, never used. */
export function replyOf<K extends keyof Replies>(type: K, body: unknown): z.infer<Replies[K]> {
  const r = replySchemas[type].safeParse(body);
  if (!r.success) throw new RelayClientError('BAD_RESPONSE', `the relay sent a malformed ${type} reply`);
  return r.data as z.infer<Replies[K]>;
}

/** The challenge frame's contents, once the relay's signature over them verified. */
export interface Challenge {
  readonly nonce: Uint8Array;
  readonly relayKey: Uint8Array;
}

/** Parses the first frame as a challenge and checks the relay's signature over it; null when either fails. */
export function provenChallenge(text: string): Challenge | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null; // not JSON: the caller reports BAD_RESPONSE
  }
  const f = challengeFrameSchema.safeParse(raw);
  if (!f.success) return null;
  const nonce = fromBase64Url(f.data.nonce);
  const relayKey = relayKeyFromId(f.data.relayKey);
  const signature = fromBase64Url(f.data.relaySignature);
  if (!nonce || nonce.length !== RELAY_CHALLENGE_BYTES || !relayKey || !signature || !relayChallengeVerifies(relayKey, nonce, signature)) return null;
  return { nonce, relayKey };
}
