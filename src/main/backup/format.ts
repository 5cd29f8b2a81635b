/**
 * The backup's blob formats (docs/protocol.md §5.2):
 *
 *   blob      = u8 version ‖ nonce (24) ‖ XChaCha20-Poly1305(key, nonce, pad(JSON), AD)
 *   AD        = "Parley-v1 backup" ‖ u8 role ‖ u8 version ‖ role fields ‖ backupId
 *   manifest  : role 1, key = manifest key, no role fields
 *   segment   : role 2, key = segment key, role fields = u32 generation ‖ u8 bank ‖ u32 n
 *   pad       = ISO/IEC 7816-4 (0x80, zeros) to a multiple of BACKUP_PAD_BLOCK
 *   digest    = BLAKE2b-256 of the whole segment blob, listed in the manifest
 *
 * Opening checks the version byte, the AEAD (which binds role, version,
 * position and backup id), the padding and then the zod schema, each with a
 * typed error.
 */
import sodium from 'libsodium-wrappers-sumo';
import { z } from 'zod';
import {
  BACKUP_FORMAT_VERSION, BACKUP_MAX_MANIFEST_SEGMENTS, BACKUP_PAD_BLOCK, BACKUP_SEGMENT_MAX_MESSAGES,
} from '../../shared/constants';
import { concatBytes, toBase64Url, u32be, utf8Bytes } from '../../shared/wire/encoding';
import { AccountStateSchema, MessageRecordSchema } from '../snapshot/schemas';
import { BackupError } from './errors';

const AD_LABEL = 'Parley-v1 backup';
const NONCE_BYTES = 24;
/** The role byte bound into each blob's AD, so a manifest can never be opened as a segment or the reverse. */
export const ROLE = { manifest: 1, segment: 2 } as const;

/** Where a segment sits: its generation, bank (0/1) and number; all three are bound into its AD. */
export interface SegmentPosition {
  readonly generation: number;
  readonly bank: number;
  readonly n: number;
}

/** The associated data sealing the manifest to its backup id and format version. */
export function manifestAd(backupId: string): Uint8Array {
  return concatBytes(utf8Bytes(AD_LABEL), new Uint8Array([ROLE.manifest, BACKUP_FORMAT_VERSION]), utf8Bytes(backupId));
}

/** The associated data sealing a segment to its backup id and position, so the relay cannot swap or reorder segments. */
export function segmentAd(backupId: string, p: SegmentPosition): Uint8Array {
  return concatBytes(utf8Bytes(AD_LABEL), new Uint8Array([ROLE.segment, BACKUP_FORMAT_VERSION]), u32be(p.generation), new Uint8Array([p.bank]), u32be(p.n),
    utf8Bytes(backupId));
}

function pad(plain: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil((plain.length + 1) / BACKUP_PAD_BLOCK) * BACKUP_PAD_BLOCK);
  out.set(plain);
  out[plain.length] = 0x80;
  return out;
}

function unpad(padded: Uint8Array): Uint8Array | null {
  let i = padded.length - 1;
  while (i >= 0 && padded[i] === 0) i--;
  return i >= 0 && padded[i] === 0x80 ? padded.subarray(0, i) : null;
}

/** Encrypts a JSON text into a blob. */
export function sealBlob(key: Uint8Array, ad: Uint8Array, json: string): Uint8Array {
  const nonce = sodium.randombytes_buf(NONCE_BYTES);
  const plain = pad(utf8Bytes(json));
  const ct = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plain, ad, null, nonce, key);
  sodium.memzero(plain);
  return concatBytes(new Uint8Array([BACKUP_FORMAT_VERSION]), nonce, ct);
}

/** Decrypts and parses a blob; `what` names it in errors ("manifest", "segment 3"). */
export function openBlob<T>(key: Uint8Array, ad: Uint8Array, blob: Uint8Array, schema: z.ZodType<T>, what: string): T {
  if (blob.length < 1 + NONCE_BYTES + 16) throw new BackupError('BACKUP_TAMPERED', `The backup ${what} is truncated.`);
  if (blob[0] !== BACKUP_FORMAT_VERSION) {
    if (blob[0]! > BACKUP_FORMAT_VERSION) throw new BackupError('BACKUP_VERSION', `The backup ${what} has format ${blob[0]}; this build reads ${BACKUP_FORMAT_VERSION}.`);
    throw new BackupError('BACKUP_TAMPERED', `The backup ${what} has an unknown format byte.`);
  }
  let plain: Uint8Array;
  try {
    plain = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, blob.subarray(1 + NONCE_BYTES), ad, blob.subarray(1, 1 + NONCE_BYTES), key);
  } catch {
    throw new BackupError('BACKUP_TAMPERED', `The backup ${what} does not authenticate: it was changed, swapped or truncated.`);
  }
  const body = unpad(plain);
  let value: unknown;
  try {
    if (!body) throw new Error('padding');
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    throw new BackupError('BACKUP_MALFORMED', `The backup ${what} is not valid JSON.`);
  } finally {
    sodium.memzero(plain);
  }
  const r = schema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new BackupError('BACKUP_MALFORMED', `The backup ${what} is malformed at ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid'}.`);
  }
  return r.data;
}

/** The BLAKE2b-256 digest of a segment blob, as listed in the manifest and checked on restore. */
export const digestOf = (blob: Uint8Array): string => toBase64Url(sodium.crypto_generichash(32, blob, null));

const Count = z.number().int().min(0).max(0xffffffff);

/** The manifest's line for one segment: its blob id, kind, counts and digest. */
export const SegmentEntrySchema = z.object({
  n: Count,
  id: z.string().regex(/^[A-Za-z0-9_-]{22,43}$/u),
  /** 'full': part of the generation's base set; 'delta': an incremental change set on top. */
  kind: z.enum(['full', 'delta']),
  messages: Count,
  tombstones: Count,
  bytes: Count,
  digest: z.string().length(43),
}).strict();

/** The manifest: which writer and generation the backup is, its account state and the list of its segments. */
export const ManifestSchema = z.object({
  v: z.literal(BACKUP_FORMAT_VERSION),
  /** Random id of the store that writes this backup (its backup_state cursor holds the same id). */
  writer: z.string().min(16).max(64),
  generation: z.number().int().min(1).max(0xffffffff),
  /** The writer's change counter the backup covers. */
  seq: z.number().int().min(0),
  bank: z.union([z.literal(0), z.literal(1)]),
  createdAt: z.number().int().min(0),
  state: AccountStateSchema,
  segments: z.array(SegmentEntrySchema).max(BACKUP_MAX_MANIFEST_SEGMENTS),
}).strict();

/** One segment's contents: message records and the ids of messages deleted since. */
export const SegmentSchema = z.object({
  v: z.literal(BACKUP_FORMAT_VERSION),
  records: z.array(MessageRecordSchema).max(BACKUP_SEGMENT_MAX_MESSAGES),
  tombstones: z.array(z.string().min(1).max(128)).max(BACKUP_SEGMENT_MAX_MESSAGES),
}).strict();

/** One validated manifest segment line. */
export type SegmentEntry = z.infer<typeof SegmentEntrySchema>;
/** A validated backup manifest. */
export type Manifest = z.infer<typeof ManifestSchema>;
/** A validated backup segment. */
export type Segment = z.infer<typeof SegmentSchema>;
