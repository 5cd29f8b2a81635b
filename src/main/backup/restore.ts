/**
 * Restore from the relay: download the manifest and every segment it lists,
 * check each segment's id, size and BLAKE2b digest against the manifest and
 * decrypt it (its AD binds generation, bank and number), all before writing
 * anything; then import state, tombstones and messages in one transaction.
 * Any failure leaves the target store as it was.
 */
import type { LocalStore } from '../store';
import { applyTombstones, importMessages, importState, type AccountState, type MessageRecord } from '../snapshot/snapshot';
import { adoptRestoredBackup } from './backup';
import { BackupError } from './errors';
import { ManifestSchema, SegmentSchema, digestOf, manifestAd, openBlob, segmentAd, type Manifest } from './format';
import { withBackupKeys, type BackupKeys, type BackupKeySource } from './keys';
import { fetchBlob } from './transport';

/** Restore progress reported to the UI while blobs download and then import. */
export interface RestoreProgress {
  /** 'download': blobs fetched and verified so far (manifest included); 'import': writing. */
  readonly phase: 'download' | 'import';
  readonly done: number;
  readonly total: number;
}

/** What a restore brought back: the account state, which backup it was and how much it held. */
export interface RestoreResult {
  /** The restored account state (the caller creates the account row from accountId and displayName if the store had none). */
  readonly state: AccountState;
  readonly generation: number;
  /** When the restored backup was written. */
  readonly backedUpAt: number;
  readonly segments: number;
  readonly messages: number;
  /** Messages the backup marks deleted (removed from the target if present). */
  readonly tombstones: number;
}

const tampered = (message: string): BackupError => new BackupError('BACKUP_TAMPERED', message);

/** The manifest's segment list must be ordered (full set, then deltas, numbers rising) and every id must be the one the keys derive. */
function checkLayout(keys: BackupKeys, m: Manifest): void {
  let lastN = -1;
  let sawDelta = false;
  for (const s of m.segments) {
    if (s.n <= lastN || (s.kind === 'full' && sawDelta)) throw new BackupError('BACKUP_MALFORMED', 'The backup manifest lists its segments out of order.');
    if (s.id !== keys.segmentId(m.bank, s.n)) throw tampered(`Backup segment ${s.n} is listed under an id that does not belong to it.`);
    lastN = s.n;
    sawDelta ||= s.kind === 'delta';
  }
}

async function download(httpUrl: string, keys: BackupKeys, onProgress?: (p: RestoreProgress) => void): Promise<{ manifest: Manifest; merged: Map<string, MessageRecord | null> }> {
  const blob = await fetchBlob(httpUrl, keys.backupId, keys.authKey.bytes, 'manifest');
  if (blob === null) throw new BackupError('BACKUP_NOT_FOUND', 'The relay has no backup for this recovery phrase.');
  const manifest = openBlob(keys.manifestKey.bytes, manifestAd(keys.backupId), blob, ManifestSchema, 'manifest');
  checkLayout(keys, manifest);
  const total = manifest.segments.length + 1;
  onProgress?.({ phase: 'download', done: 1, total });
  // Later segments override earlier ones: a record or tombstone in a delta replaces what the full set said.
  const merged = new Map<string, MessageRecord | null>();
  for (const [i, s] of manifest.segments.entries()) {
    const what = `segment ${s.n}`;
    const seg = await fetchBlob(httpUrl, s.id, keys.authKey.bytes, what);
    if (seg === null) throw tampered(`Backup ${what} is missing from the relay.`);
    if (seg.length !== s.bytes || digestOf(seg) !== s.digest) throw tampered(`Backup ${what} does not match the manifest's digest: it was changed or swapped.`);
    const body = openBlob(keys.segmentKey.bytes, segmentAd(keys.backupId, { generation: manifest.generation, bank: manifest.bank, n: s.n }), seg, SegmentSchema, what);
    if (body.records.length !== s.messages || body.tombstones.length !== s.tombstones) throw tampered(`Backup ${what} holds other counts than the manifest lists.`);
    for (const id of body.tombstones) merged.set(id, null);
    for (const r of body.records) merged.set(r.id, r);
    onProgress?.({ phase: 'download', done: i + 2, total });
  }
  return { manifest, merged };
}

/**
 * Restores the backup that `keys` (from the recovery phrase) address into
 * `store`. A missing backup (or another phrase) gives BACKUP_NOT_FOUND; a
 * changed, swapped or missing blob BACKUP_TAMPERED; in every failure the
 * store is left untouched. Afterwards the store's next backup replaces the
 * restored one with a full set of its own.
 */
export async function restoreBackup(httpUrl: string, keys: BackupKeySource, store: LocalStore, onProgress?: (p: RestoreProgress) => void): Promise<RestoreResult> {
  return withBackupKeys(keys, async (k) => {
    const { manifest, merged } = await download(httpUrl, k, onProgress);
    const records: MessageRecord[] = [];
    const tombstones: string[] = [];
    for (const [id, r] of merged) {
      if (r) records.push(r);
      else tombstones.push(id);
    }
    records.sort((a, b) => a.sentAt - b.sentAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    onProgress?.({ phase: 'import', done: 0, total: records.length });
    store.db.transaction(() => {
      importState(store, manifest.state);
      applyTombstones(store, tombstones);
      importMessages(store, records);
      adoptRestoredBackup(store, manifest.writer);
      store.audit.record('backup.restored', { generation: manifest.generation, segments: manifest.segments.length, messages: records.length });
    })();
    onProgress?.({ phase: 'import', done: records.length, total: records.length });
    return {
      state: manifest.state, generation: manifest.generation, backedUpAt: manifest.createdAt, segments: manifest.segments.length,
      messages: records.length, tombstones: tombstones.length,
    };
  });
}
