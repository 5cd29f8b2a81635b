/**
 * Relay wire protocol (docs/protocol.md §3): JSON frames over WebSocket, each
 * with a version field `v`, validated by the strict schemas below before the
 * relay acts on them. Unknown keys (including `__proto__`) are rejected.
 */
import { z } from 'zod';
import {
  RELAY_MAX_ACK_IDS,
  RELAY_MAX_DEVICES,
  RELAY_MAX_ENVELOPE_BYTES,
  RELAY_MAX_PREKEY_BATCH,
  RELAY_MAX_PROVISIONING_BYTES,
  RELAY_MAX_SEND_RECIPIENTS,
  RELAY_PROTOCOL_VERSION,
} from '../constants';
import type { SignedDeviceList } from './deviceList';
import { concatBytes, u32be, utf8Bytes } from './encoding';

/**
 * Domain-separation prefix of the device's answer to the challenge. Version 2
 * covers the relay's identity key (version 1 bound only the Host header,
 * which a relay in the middle chooses; issue 13 §3).
 */
export const RELAY_AUTH_CONTEXT = 'Parley-Relay-Auth-v2';
/** Domain-separation prefix of the relay's own signature over its challenge. */
export const RELAY_CHALLENGE_CONTEXT = 'Parley-Relay-Challenge-v1';
/** Length of a relay identity (Ed25519) public key. */
export const RELAY_KEY_BYTES = 32;
/** Length of the random challenge the relay sends before authentication. */
export const RELAY_CHALLENGE_BYTES = 32;

/** Error codes the relay returns in a failed response frame. */
export type RelayErrorCode =
  | 'BAD_FRAME'
  | 'UNSUPPORTED_VERSION'
  | 'UNKNOWN_TYPE'
  | 'NOT_AUTHENTICATED'
  | 'AUTH_FAILED'
  | 'DEVICE_REVOKED'
  | 'ALREADY_AUTHENTICATED'
  | 'FORBIDDEN'
  | 'BAD_SIGNATURE'
  | 'STALE_DEVICE_LIST'
  | 'DEVICE_LIST_NOT_SUCCESSOR'
  | 'DEVICE_LIST_NOT_COSIGNED'
  | 'ACCOUNT_SUPERSEDED'
  | 'UNKNOWN_DEVICE'
  | 'NOT_FOUND'
  | 'TOO_LARGE'
  | 'TOO_MANY_PREKEYS'
  | 'RATE_LIMITED'
  | 'RANGE_NOT_SATISFIABLE'
  | 'INTERNAL';

/** Length of the bytes an unpadded base64url string of `chars` characters decodes to. */
export const decodedLength = (chars: number): number => Math.floor((chars * 3) / 4);
const b64Chars = (bytes: number): number => Math.ceil((bytes * 4) / 3);

const b64 = (maxBytes: number) => z.string().max(b64Chars(maxBytes)).regex(/^[A-Za-z0-9_-]*$/);
const keyId = z.string().length(43).regex(/^[A-Za-z0-9_-]*$/);
const requestId = z.number().int().min(0).max(2 ** 31);
const v = z.literal(RELAY_PROTOCOL_VERSION);

/** A signed device list as it travels in relay frames. */
export const deviceListSchema = z.strictObject({
  accountId: keyId,
  version: z.number().int().min(1).max(0xffffffff),
  devices: z.array(z.strictObject({ deviceId: keyId, addedAt: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) })).min(1).max(RELAY_MAX_DEVICES),
  signature: b64(64),
  coSigner: keyId.nullable().optional(),
  coSignature: b64(64).optional(),
});

/** How many one-time prekeys of each kind the relay holds for a device (reply to uploadPrekeys and prekeyCount, and the prekeysLow push). */
export const prekeyCountsSchema = z.strictObject({
  oneTimeEc: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  oneTimeKem: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
});
/** A device's one-time prekey counts as the relay reports them. */
export type PrekeyCounts = z.infer<typeof prekeyCountsSchema>;

/** The push a device gets when a bundle fetch left it fewer one-time prekeys of a kind than ONE_TIME_PREKEY_REPLENISH_BELOW. */
export const prekeysLowFrameSchema = z.strictObject({ v, type: z.literal('prekeysLow'), counts: prekeyCountsSchema });
/** Pushed once after sign-in when messages wait: how many, so the client can show its catch-up progress. */
export const backlogFrameSchema = z.strictObject({ v, type: z.literal('backlog'), queued: z.number().int().positive() });

/** One signed one-time prekey as uploaded to and served by the relay. */
export const prekeySchema = z.strictObject({ keyId: z.number().int().min(0).max(0xffffffff), publicKey: b64(1184), signature: b64(64) });
/** One signed one-time prekey on the wire. */
export type WirePrekey = z.infer<typeof prekeySchema>;

const recipientMessage = z.strictObject({ accountId: keyId, deviceId: keyId, envelope: b64(RELAY_MAX_ENVELOPE_BYTES + 3) });

/** Every frame a client may send to the relay; the relay refuses anything else. */
export const clientFrameSchema = z.discriminatedUnion('type', [
  z.strictObject({ v, type: z.literal('auth'), id: requestId, accountId: keyId, deviceId: keyId, signature: b64(64), deviceList: deviceListSchema.optional() }),
  z.strictObject({ v, type: z.literal('ping'), id: requestId }),
  // Before or after auth: asks for binary message pushes (docs/protocol.md §3.1.1); a relay that does not know it answers UNKNOWN_TYPE.
  z.strictObject({ v, type: z.literal('options'), id: requestId, binaryPushes: z.boolean() }),
  z.strictObject({ v, type: z.literal('putDeviceList'), id: requestId, list: deviceListSchema }),
  z.strictObject({ v, type: z.literal('getDeviceList'), id: requestId, accountId: keyId }),
  z.strictObject({
    v,
    type: z.literal('uploadPrekeys'),
    id: requestId,
    signedPrekey: prekeySchema.optional(),
    lastResortKem: prekeySchema.optional(),
    oneTimeEc: z.array(prekeySchema).max(RELAY_MAX_PREKEY_BATCH).optional(),
    oneTimeKem: z.array(prekeySchema).max(RELAY_MAX_PREKEY_BATCH).optional(),
  }),
  z.strictObject({ v, type: z.literal('prekeyCount'), id: requestId }),
  z.strictObject({ v, type: z.literal('fetchBundle'), id: requestId, accountId: keyId, deviceId: keyId }),
  z.strictObject({ v, type: z.literal('send'), id: requestId, messages: z.array(recipientMessage).min(1).max(RELAY_MAX_SEND_RECIPIENTS) }),
  z.strictObject({ v, type: z.literal('ack'), id: requestId, ids: z.array(z.string().regex(/^[0-9]{1,18}$/)).min(1).max(RELAY_MAX_ACK_IDS) }),
  z.strictObject({ v, type: z.literal('attachmentUpload'), id: requestId }),
  z.strictObject({ v, type: z.literal('bulkToken'), id: requestId }),
  z.strictObject({ v, type: z.literal('provisionOpen'), id: requestId }),
  z.strictObject({ v, type: z.literal('supersedeAccount'), id: requestId, oldAccountId: keyId, signature: b64(64) }),
  z.strictObject({ v, type: z.literal('provisionSend'), id: requestId, channelId: z.string().length(22).regex(/^[A-Za-z0-9_-]*$/), payload: b64(RELAY_MAX_PROVISIONING_BYTES) }),
]);
/** One frame a client sends to the relay. */
export type ClientFrame = z.infer<typeof clientFrameSchema>;
/** The `type` of a client frame. */
export type ClientFrameType = ClientFrame['type'];
/** Every client frame type, so the relay can refuse an unknown type before parsing the rest. */
export const CLIENT_FRAME_TYPES: readonly string[] = clientFrameSchema.options.map((o) => o.shape.type.value);
/** A device's prekey bundle as the relay serves it (checked against the request and the signed list by the session layer). */
export const bundleSchema = z.strictObject({
  accountId: keyId,
  deviceId: keyId,
  signedPrekey: prekeySchema,
  lastResortKem: prekeySchema,
  oneTimeEc: prekeySchema.nullable(),
  oneTimeKem: prekeySchema.nullable(),
});
/** A device's prekey bundle as the relay serves it. */
export type WireBundle = z.infer<typeof bundleSchema>;

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const token = z.string().min(1).max(256);
const httpPath = z.string().min(1).max(512).regex(/^\/[A-Za-z0-9_\-./?=&%]*$/u);

/** The body of each successful reply, by request type: the client parses every reply with these before using it. */
export const replySchemas = {
  auth: z.unknown(),
  // binarySends: the relay takes binary `send` frames (§3.5); absent from a relay of before it did.
  options: z.object({ binaryPushes: z.boolean(), binarySends: z.boolean().optional() }),
  putDeviceList: z.unknown(),
  getDeviceList: deviceListSchema,
  uploadPrekeys: prekeyCountsSchema,
  prekeyCount: prekeyCountsSchema,
  fetchBundle: bundleSchema,
  send: z.object({ queued: count }),
  ack: z.object({ deleted: count }),
  attachmentUpload: z.object({ attachmentId: token, uploadToken: token, path: httpPath, maxBytes: count }),
  bulkToken: z.object({ token, expiresAt: count, path: httpPath }),
  provisionOpen: z.object({ channelId: token, expiresAt: count }),
  provisionSend: z.unknown(),
  supersedeAccount: z.unknown(),
} as const;

/** A pushed envelope: the relay's id for it, its arrival time and the sealed bytes. */
export const messageFrameSchema = z.strictObject({ v, type: z.literal('message'), id: z.string().min(1).max(128), ts: count, envelope: b64(RELAY_MAX_ENVELOPE_BYTES + 3) });
/** A reply frame; the body is checked per request type (replySchemas). */
export const responseFrameSchema = z.union([
  z.object({ v, type: z.literal('response'), id: requestId, ok: z.literal(true), body: z.unknown() }),
  z.object({ v, type: z.literal('response'), id: requestId.nullable(), ok: z.literal(false), code: z.string().min(1).max(64), message: z.string().max(1000), details: z.object({ deviceList: z.unknown().optional() }).optional() }),
]);

/**
 * Optional machine-readable details of an error response (docs/protocol.md §3.1).
 * Added within frame version 1: a reader that does not know a key ignores it.
 */
export interface RelayErrorDetails {
  /** With DEVICE_REVOKED: the account's current signed list, which no longer contains the device (verify it before acting). */
  readonly deviceList?: SignedDeviceList;
}

/** Every frame the relay sends: the challenge, responses to requests, and pushed messages, provisioning payloads and notices. */
export type ServerFrame =
  /** The first frame: a fresh nonce, the relay's identity key and its signature over both (challengeSignedBytes). */
  | { v: 1; type: 'challenge'; nonce: string; relayKey: string; relaySignature: string }
  | { v: 1; type: 'response'; id: number; ok: true; body: unknown }
  | { v: 1; type: 'response'; id: number | null; ok: false; code: RelayErrorCode; message: string; details?: RelayErrorDetails }
  | { v: 1; type: 'message'; id: string; ts: number; envelope: string }
  | { v: 1; type: 'provision'; channelId: string; payload: string }
  /** Sent to a device just before its connection closes with 4003: the new list that dropped it (verify it before acting). */
  | { v: 1; type: 'deviceList'; list: SignedDeviceList }
  /** A fetch left this device fewer one-time prekeys of a kind than ONE_TIME_PREKEY_REPLENISH_BELOW: upload a batch. */
  | z.infer<typeof prekeysLowFrameSchema>
  | z.infer<typeof backlogFrameSchema>;

/** The challenge frame as a client checks it before using any of it. */
export const challengeFrameSchema = z.strictObject({ v, type: z.literal('challenge'), nonce: b64(RELAY_CHALLENGE_BYTES), relayKey: b64(RELAY_KEY_BYTES), relaySignature: b64(64) });

/** Bytes the relay signs with its identity key in the challenge frame: its key and the fresh nonce, under their own context. */
export function challengeSignedBytes(relayKey: Uint8Array, nonce: Uint8Array): Uint8Array {
  return concatBytes(utf8Bytes(RELAY_CHALLENGE_CONTEXT), relayKey, nonce);
}

/**
 * Bytes a device signs to answer the challenge: bound to the relay's identity
 * key, the host, the nonce and both of the device's keys. A relay checks them
 * with its own key, so a challenge forwarded from another relay is useless here.
 */
export function authChallengeBytes(relayKey: Uint8Array, host: string, nonce: Uint8Array, accountKey: Uint8Array, deviceKey: Uint8Array): Uint8Array {
  const hostBytes = utf8Bytes(host.toLowerCase());
  return concatBytes(utf8Bytes(RELAY_AUTH_CONTEXT), relayKey, u32be(hostBytes.length), hostBytes, nonce, accountKey, deviceKey);
}
