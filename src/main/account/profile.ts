/** Profile-level helpers: the default device name, backup keys as stored, and wiping a revoked profile. */
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LINK_DEVICE_NAME_MAX_BYTES } from '../../shared/constants';
import { toBase64Url } from '../../shared/wire/encoding';
import type { RecoveryKeys } from './recovery';
import { DB_FILE, KEY_FILE } from '../store';
import type { BackupKeyRecord } from './record';

/** What a device is called until the user renames it: the host name, bounded to what a link code carries. */
export function defaultDeviceName(): string {
  let host = os.hostname().replace(/[^\p{L}\p{N} ._-]/gu, '').trim();
  while (new TextEncoder().encode(`${host} desktop`).length > LINK_DEVICE_NAME_MAX_BYTES) host = [...host].slice(0, -1).join('');
  return host ? `${host} desktop` : 'Desktop';
}

/** The backup id and keys as the account record stores them (base64url). */
export const backupRecordOf = (r: RecoveryKeys): BackupKeyRecord => ({
  id: r.backupId,
  authKey: toBase64Url(r.backupAuthKey.bytes),
  key: toBase64Url(r.backupKey.bytes),
});

/** Files of a profile this core owns; a revoked device deletes all of them (the store must be closed first). */
export function wipeProfile(dir: string): void {
  for (const name of [DB_FILE, `${DB_FILE}-wal`, `${DB_FILE}-shm`, `${DB_FILE}-journal`, `${DB_FILE}-cipher`, `${DB_FILE}.moving`, `${DB_FILE}.moving-journal`, KEY_FILE, `${KEY_FILE}.next`, 'attachments', 'linking']) {
    rmSync(path.join(dir, name), { recursive: true, force: true });
  }
}
