/**
 * Retiring a backup ("Remove and secure", docs/protocol.md §6.8): after the
 * account key and the phrase were rotated, the backup under the old phrase's
 * keys is deleted from the relay, segments first and the manifest last, so
 * an interrupted run can be repeated (the manifest still lists what is left).
 * New backups are written under the new phrase's keys, which a revoked device
 * never had; this removes what it could still fetch with the old ones.
 */
import { BACKUP_MAX_MANIFEST_SEGMENTS } from '../../shared/constants';
import type { BackupKeyRecord } from '../account/record';
import { deleteBackup } from '../relayClient/blobs';
import { RelayClientError } from '../relayClient/errors';
import { backupKeysOf } from './accountBackup';
import { remoteManifest } from './backup';
import { BackupError } from './errors';
import { withBackupKeys } from './keys';

/** How many blobs a retirement removed. */
export interface RetiredBackup {
  readonly blobs: number;
}

async function remove(httpUrl: string, id: string, authKey: Uint8Array): Promise<boolean> {
  try {
    return await deleteBackup(httpUrl, id, authKey);
  } catch (e) {
    if (e instanceof RelayClientError) throw new BackupError('BACKUP_NETWORK', `Deleting the old backup failed: ${e.message}.`, { cause: e });
    throw e;
  }
}

/** Deletes every blob of the backup `record` addresses: the segments its manifest lists, the other bank's leftovers, then the manifest. */
export async function retireBackup(httpUrl: string, record: BackupKeyRecord): Promise<RetiredBackup> {
  const source = backupKeysOf(record);
  try {
    return await withBackupKeys(source, async (keys) => {
      const auth = keys.authKey.bytes;
      const manifest = await remoteManifest({ httpUrl }, keys);
      let blobs = 0;
      const listed = manifest !== null && manifest !== 'unreadable' ? manifest : null;
      for (const s of listed?.segments ?? []) if (await remove(httpUrl, s.id, auth)) blobs++;
      // The bank the manifest does not use (or both, without a readable manifest) holds an older generation's segments, numbered from 0.
      for (const bank of listed ? [1 - listed.bank] : [0, 1]) {
        for (let n = 0; n < BACKUP_MAX_MANIFEST_SEGMENTS && (await remove(httpUrl, keys.segmentId(bank, n), auth)); n++) blobs++;
      }
      if (await remove(httpUrl, keys.backupId, auth)) blobs++;
      return { blobs };
    });
  } finally {
    source.dispose();
  }
}
