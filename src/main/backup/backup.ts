/**
 * Incremental, end-to-end-encrypted backups on the relay (docs/protocol.md §5).
 *
 * One run: read the change counter C and the account state; GET the current
 * manifest (the relay's truth, so a run after an unconfirmed upload builds on
 * what is really there); PUT new segments — only what changed since the
 * cursor, or a full fresh set in the other bank when starting, compacting or
 * replacing — then PUT the manifest; only then advance the cursor in
 * backup_state. A failed run writes nothing locally; the new segments go to
 * slots the current manifest does not reference, so the relay's backup stays
 * restorable whatever step fails.
 */
import sodium from 'libsodium-wrappers-sumo';
import { z } from 'zod';
import {
  BACKUP_MAX_BLOB_BYTES, BACKUP_MAX_DELTA_SEGMENTS, BACKUP_MAX_MANIFEST_SEGMENTS, BACKUP_SEGMENT_MAX_BYTES, BACKUP_SEGMENT_MAX_MESSAGES,
} from '../../shared/constants';
import { isParleyError } from '../../shared/errors';
import { toBase64Url, utf8Bytes } from '../../shared/wire/encoding';
import type { LocalStore } from '../store';
import { currentChangeSeq, exportChanges, hasMessageChanges, pruneChanges, type ChangeChunk } from '../snapshot/changes';
import { AccountStateSchema, MessageRecordSchema, exportMessages, exportState, parseOrThrow, type AccountState } from '../snapshot/snapshot';
import { BackupError } from './errors';
import {
  ManifestSchema, digestOf, manifestAd, openBlob, sealBlob, segmentAd, type Manifest, type SegmentEntry, type SegmentPosition,
} from './format';
import { withBackupKeys, type BackupKeys, type BackupKeySource } from './keys';
import { fetchBlob, putBlob } from './transport';

// ── local state (backup_state row 1) ──

const CursorSchema = z.object({
  v: z.literal(1),
  /**
   * The last manifest this store wrote and saw confirmed: its generation, bank, seq and state hash, and `seq`, the
   * change counter everything is covered up to (it moves past manifestSeq when only untracked data changed).
   */
  confirmed: z.object({
    generation: z.number().int(), bank: z.number().int(), manifestSeq: z.number().int(), seq: z.number().int(), stateHash: z.string(),
  }).strict().nullable(),
  /** A foreign writer whose backup this store restored, and may therefore replace. */
  adopt: z.string().nullable(),
}).strict();
type Cursor = z.infer<typeof CursorSchema>;

function readCursor(store: LocalStore): Cursor | null {
  const raw = store.directory.backupState().cursor;
  if (raw === null) return null;
  try {
    const r = CursorSchema.safeParse(JSON.parse(raw));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

/** This store's writer id: random, made by migration 4, never synced (a restored or linked store has its own). */
function writerId(store: LocalStore): string {
  const id = store.directory.setting('backup.writer');
  if (id === null) throw new BackupError('BACKUP_FAILED', 'The store has no backup writer id (schema older than 4).');
  return id;
}

/** The outcome of the last backup run as Settings shows it. */
export type BackupStatus = 'idle' | 'ok' | 'failed';

/** Last successful backup time and the outcome of the last run (`code` is the error code of a failed one). */
export function backupStatus(store: LocalStore): { lastBackupAt: number | null; status: BackupStatus; code: string | null } {
  const s = store.directory.backupState();
  if (s.status.startsWith('failed:')) return { lastBackupAt: s.lastBackupAt, status: 'failed', code: s.status.slice(7) };
  return { lastBackupAt: s.lastBackupAt, status: s.status === 'ok' ? 'ok' : 'idle', code: null };
}

/** Records a failed run (the scheduler does; runBackup itself writes nothing when it fails). */
export function recordBackupFailure(store: LocalStore, code: string): void {
  const s = store.directory.backupState();
  store.directory.setBackupState({ ...s, status: `failed:${code}` });
}

/** After a restore: forget any own cursor, and allow the next run to replace the backup that was restored. */
export function adoptRestoredBackup(store: LocalStore, writer: string): void {
  const cursor: Cursor = { v: 1, confirmed: null, adopt: writer };
  store.directory.setBackupState({ lastBackupAt: null, cursor: JSON.stringify(cursor), status: 'idle' });
}

const stateHash = (state: AccountState): string => toBase64Url(sodium.crypto_generichash(32, utf8Bytes(JSON.stringify(state)), null));

// ── the run ──

/** Segment sizes and the number of deltas before compaction; tests lower them to reach the edges quickly. */
export interface BackupLimits {
  readonly segmentMaxMessages: number;
  readonly segmentMaxBytes: number;
  readonly maxDeltaSegments: number;
}
const DEFAULT_LIMITS: BackupLimits = {
  segmentMaxMessages: BACKUP_SEGMENT_MAX_MESSAGES, segmentMaxBytes: BACKUP_SEGMENT_MAX_BYTES, maxDeltaSegments: BACKUP_MAX_DELTA_SEGMENTS,
};

/** One backup run's inputs: the relay, the keys, the store, and whether to force, replace or use smaller limits. */
export interface BackupOptions {
  /** The relay's HTTP base (http[s]://host:port). */
  readonly httpUrl: string;
  readonly keys: BackupKeySource;
  readonly store: LocalStore;
  /** Upload even if nothing changed since the last confirmed backup. */
  readonly force?: boolean | undefined;
  /** Replace a backup another install wrote (otherwise BACKUP_FOREIGN). */
  readonly replaceForeign?: boolean | undefined;
  readonly clock?: (() => number) | undefined;
  /** Smaller limits for tests; each is capped by its named constant. */
  readonly limits?: Partial<BackupLimits> | undefined;
}

/** What a run wrote: nothing, a delta segment on top of the last set, or a new full set. */
export type BackupMode = 'unchanged' | 'incremental' | 'full';
/** Why a run wrote a full set: none existed, too many deltas, replacing another writer, or repairing a rolled-back one. */
export type FullReason = 'first' | 'compaction' | 'replace' | 'repair';

/** What a run did (mode, generation, segments and bytes), for the scheduler, the CLI and the tests. */
export interface BackupResult {
  readonly mode: BackupMode;
  /** Why a full set was written (mode 'full' only). */
  readonly reason: FullReason | null;
  readonly generation: number;
  readonly segmentsWritten: number;
  /** Bytes PUT to the relay, segments and manifest. */
  readonly bytesUploaded: number;
  readonly messages: number;
  readonly tombstones: number;
}

const inFlight = new WeakMap<LocalStore, Promise<unknown>>();

/** Runs one backup; runs on the same store never overlap (a second call waits for the first). */
export async function runBackup(o: BackupOptions): Promise<BackupResult> {
  const prev = inFlight.get(o.store) ?? Promise.resolve();
  // The previous run's failure was reported to its own caller; this run only waits for it to end.
  const run = prev.catch(() => undefined).then(() => withBackupKeys(o.keys, (keys) => backupOnce(o, keys)));
  inFlight.set(o.store, run);
  try {
    return await run;
  } finally {
    if (inFlight.get(o.store) === run) inFlight.delete(o.store);
  }
}

interface Plan {
  readonly mode: 'incremental' | 'full';
  readonly reason: FullReason | null;
  readonly generation: number;
  readonly bank: number;
  readonly base: readonly SegmentEntry[];
}

/** Reads the relay's manifest: null if there is none, 'unreadable' if it does not authenticate (it will be replaced). */
export async function remoteManifest(o: Pick<BackupOptions, 'httpUrl'>, keys: BackupKeys): Promise<Manifest | null | 'unreadable'> {
  const blob = await fetchBlob(o.httpUrl, keys.backupId, keys.authKey.bytes, 'manifest');
  if (blob === null) return null;
  try {
    return openBlob(keys.manifestKey.bytes, manifestAd(keys.backupId), blob, ManifestSchema, 'manifest');
  } catch (e) {
    if (isParleyError(e) && (e.code === 'BACKUP_TAMPERED' || e.code === 'BACKUP_MALFORMED')) return 'unreadable';
    throw e;
  }
}

function plan(remote: Manifest | null | 'unreadable', cursor: Cursor | null, writer: string, o: BackupOptions, limits: BackupLimits): Plan {
  const confirmed = cursor?.confirmed ?? null;
  const full = (reason: FullReason, generation: number, bank: number): Plan => ({ mode: 'full', reason, generation, bank, base: [] });
  if (remote === null || remote === 'unreadable') {
    return full(confirmed ? 'repair' : 'first', (confirmed?.generation ?? 0) + 1, confirmed ? 1 - confirmed.bank : 0);
  }
  const next = Math.max(remote.generation, confirmed?.generation ?? 0) + 1;
  if (remote.writer !== writer) {
    if (o.replaceForeign || (cursor?.adopt ?? null) === remote.writer) return full('replace', next, 1 - remote.bank);
    throw new BackupError('BACKUP_FOREIGN', 'The backup on the relay was written by another install; restore it first, or replace it explicitly.');
  }
  const rolledBack = !confirmed || remote.generation < confirmed.generation
    || (remote.generation === confirmed.generation && remote.seq < confirmed.manifestSeq);
  if (rolledBack) return full('repair', next, 1 - remote.bank);
  const deltas = remote.segments.filter((s) => s.kind === 'delta').length;
  if (deltas >= limits.maxDeltaSegments || remote.segments.length >= BACKUP_MAX_MANIFEST_SEGMENTS) return full('compaction', next, 1 - remote.bank);
  return { mode: 'incremental', reason: null, generation: remote.generation, bank: remote.bank, base: remote.segments };
}

/** Groups change chunks into segments under the limits, uploading each as it fills; returns the manifest entries. */
async function writeSegments(o: BackupOptions, keys: BackupKeys, chunks: Iterable<ChangeChunk>, p: Plan, firstN: number, limits: BackupLimits,
  tally: { bytes: number; messages: number; tombstones: number }): Promise<SegmentEntry[]> {
  const entries: SegmentEntry[] = [];
  let records: string[] = [];
  let tombstones: string[] = [];
  let size = 0;
  const flush = async (): Promise<void> => {
    if (records.length + tombstones.length === 0) return;
    const pos: SegmentPosition = { generation: p.generation, bank: p.bank, n: firstN + entries.length };
    const json = `{"v":1,"records":[${records.join(',')}],"tombstones":${JSON.stringify(tombstones)}}`;
    const blob = sealBlob(keys.segmentKey.bytes, segmentAd(keys.backupId, pos), json);
    if (blob.length > BACKUP_MAX_BLOB_BYTES) throw new BackupError('BACKUP_TOO_LARGE', `Backup segment ${pos.n} would exceed ${BACKUP_MAX_BLOB_BYTES} bytes.`);
    const id = keys.segmentId(pos.bank, pos.n);
    await putBlob(o.httpUrl, id, keys.authKey.bytes, blob, `segment ${pos.n}`);
    entries.push({ n: pos.n, id, kind: p.mode === 'full' ? 'full' : 'delta', messages: records.length, tombstones: tombstones.length, bytes: blob.length, digest: digestOf(blob) });
    tally.bytes += blob.length;
    tally.messages += records.length;
    tally.tombstones += tombstones.length;
    records = [];
    tombstones = [];
    size = 0;
  };
  for (const chunk of chunks) {
    for (const t of chunk.tombstones) {
      tombstones.push(t);
      size += t.length + 3;
      if (records.length + tombstones.length >= limits.segmentMaxMessages || size >= limits.segmentMaxBytes) await flush();
    }
    for (const r of chunk.records) {
      // The schema restore applies: a backup that uploads is a backup that parses.
      const json = JSON.stringify(parseOrThrow(MessageRecordSchema, r, 'message record'));
      records.push(json);
      size += Buffer.byteLength(json) + 1;
      if (records.length + tombstones.length >= limits.segmentMaxMessages || size >= limits.segmentMaxBytes) await flush();
    }
  }
  await flush();
  return entries;
}

async function backupOnce(o: BackupOptions, keys: BackupKeys): Promise<BackupResult> {
  const store = o.store;
  const clock = o.clock ?? Date.now;
  const limits: BackupLimits = {
    segmentMaxMessages: Math.min(o.limits?.segmentMaxMessages ?? DEFAULT_LIMITS.segmentMaxMessages, BACKUP_SEGMENT_MAX_MESSAGES),
    segmentMaxBytes: Math.min(o.limits?.segmentMaxBytes ?? DEFAULT_LIMITS.segmentMaxBytes, BACKUP_SEGMENT_MAX_BYTES),
    maxDeltaSegments: o.limits?.maxDeltaSegments ?? DEFAULT_LIMITS.maxDeltaSegments,
  };
  const writer = writerId(store);
  const cursor = readCursor(store);
  // One synchronous read: the counter and the state it belongs to. Changes made while uploading get a larger seq and go to the next run.
  const { seq, state } = store.db.transaction(() => ({ seq: currentChangeSeq(store), state: parseOrThrow(AccountStateSchema, exportState(store), 'account state') }))();
  const hash = stateHash(state);
  const confirmed = cursor?.confirmed ?? null;
  if (!o.force && confirmed && (seq === confirmed.seq || (!hasMessageChanges(store, confirmed.seq, seq) && hash === confirmed.stateHash))) {
    if (seq !== confirmed.seq) saveCursor(store, { ...cursor!, confirmed: { ...confirmed, seq } }, null);
    return { mode: 'unchanged', reason: null, generation: confirmed.generation, segmentsWritten: 0, bytesUploaded: 0, messages: 0, tombstones: 0 };
  }
  const remote = await remoteManifest(o, keys);
  const p = plan(remote, cursor, writer, o, limits);
  const tally = { bytes: 0, messages: 0, tombstones: 0 };
  const now = clock();
  const chunks: Iterable<ChangeChunk> = p.mode === 'full'
    ? mapChunks(exportMessages(store, { now }))
    : exportChanges(store, confirmed!.seq, seq, { now });
  const firstN = p.base.reduce((m, s) => Math.max(m, s.n + 1), 0);
  const written = await writeSegments(o, keys, chunks, p, firstN, limits, tally);
  const manifest: Manifest = { v: 1, writer, generation: p.generation, seq, bank: p.bank as 0 | 1, createdAt: now, state, segments: [...p.base, ...written] };
  if (manifest.segments.length > BACKUP_MAX_MANIFEST_SEGMENTS) {
    throw new BackupError('BACKUP_TOO_LARGE', `The backup would need ${manifest.segments.length} segments; a manifest lists at most ${BACKUP_MAX_MANIFEST_SEGMENTS}.`);
  }
  const blob = sealBlob(keys.manifestKey.bytes, manifestAd(keys.backupId), JSON.stringify(manifest));
  if (blob.length > BACKUP_MAX_BLOB_BYTES) throw new BackupError('BACKUP_TOO_LARGE', `The backup manifest would exceed ${BACKUP_MAX_BLOB_BYTES} bytes.`);
  await putBlob(o.httpUrl, keys.backupId, keys.authKey.bytes, blob, 'manifest');
  tally.bytes += blob.length;
  // The manifest is on the relay: only now does the local cursor move.
  store.db.transaction(() => {
    saveCursor(store, { v: 1, confirmed: { generation: p.generation, bank: p.bank, manifestSeq: seq, seq, stateHash: hash }, adopt: null }, now);
    pruneChanges(store, seq);
    store.audit.record('backup.written', { mode: p.mode, ...(p.reason ? { reason: p.reason } : {}), generation: p.generation, segments: written.length, messages: tally.messages });
  })();
  return { mode: p.mode, reason: p.reason, generation: p.generation, segmentsWritten: written.length, bytesUploaded: tally.bytes, ...tally };
}

function* mapChunks(chunks: Iterable<ChangeChunk['records']>): Generator<ChangeChunk> {
  for (const records of chunks) yield { records, tombstones: [] };
}

function saveCursor(store: LocalStore, cursor: Cursor, lastBackupAt: number | null): void {
  const prevAt = store.directory.backupState().lastBackupAt;
  store.directory.setBackupState({ lastBackupAt: lastBackupAt ?? prevAt, cursor: JSON.stringify(cursor), status: 'ok' });
}
