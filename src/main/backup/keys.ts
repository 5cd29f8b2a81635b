/**
 * Backup sub-keys, derived from the recovery phrase's backup encryption key
 * (src/main/account/recovery.ts) with HKDF-SHA256 (salt 32 zero bytes, the
 * input is already uniform) and the info strings below, and the relay ids of
 * segments (keyed BLAKE2b, so the relay cannot link them to the manifest or
 * to each other). See docs/protocol.md §5.
 */
import { hkdfSync } from 'node:crypto';
import sodium from 'libsodium-wrappers-sumo';
import { concatBytes, toBase64Url, u32be } from '../../shared/wire/encoding';
import type { RecoveryKeys } from '../account/recovery';
import { Secret } from '../crypto/secret';

/** HKDF info strings; changing one changes every derived key and id (docs/protocol.md §5.1). */
export const BACKUP_INFO = {
  manifest: 'Parley-v1 backup manifest key',
  segment: 'Parley-v1 backup segment key',
  segmentId: 'Parley-v1 backup segment id key',
} as const;

/** Bytes of a segment id before base64url (32 characters, inside the relay's 22–43 range). */
const SEGMENT_ID_BYTES = 24;
const SALT = new Uint8Array(32);

/** What backups need from the recovery keys; RecoveryKeys satisfies it. The caller keeps ownership. */
export type BackupKeySource = Pick<RecoveryKeys, 'backupId' | 'backupAuthKey' | 'backupKey'>;

/** The keys of one backup or restore run. `dispose()` zeroes the derived keys (not the caller's source keys). */
export class BackupKeys {
  private constructor(
    readonly backupId: string,
    /** The caller's access key, borrowed: not disposed here. */
    readonly authKey: Secret,
    readonly manifestKey: Secret,
    readonly segmentKey: Secret,
    readonly segmentIdKey: Secret,
  ) {}

  static async derive(src: BackupKeySource): Promise<BackupKeys> {
    await sodium.ready;
    const sub = (label: string, info: string): Secret => new Secret(label, new Uint8Array(hkdfSync('sha256', src.backupKey.bytes, SALT, info, 32)));
    return new BackupKeys(src.backupId, src.backupAuthKey, sub('BackupManifestKey', BACKUP_INFO.manifest), sub('BackupSegmentKey', BACKUP_INFO.segment),
      sub('BackupSegmentIdKey', BACKUP_INFO.segmentId));
  }

  /** The relay id of segment `n` in `bank` (0 or 1): base64url(BLAKE2b-192(key = segment id key, u8 bank ‖ u32 n)). */
  segmentId(bank: number, n: number): string {
    return toBase64Url(sodium.crypto_generichash(SEGMENT_ID_BYTES, concatBytes(new Uint8Array([bank]), u32be(n)), this.segmentIdKey.bytes));
  }

  dispose(): void {
    this.manifestKey.dispose();
    this.segmentKey.dispose();
    this.segmentIdKey.dispose();
  }

  toJSON(): string {
    return '[BackupKeys]';
  }
}

/** Derives the keys, runs `fn`, and zeroes the derived keys whatever happens. */
export async function withBackupKeys<T>(src: BackupKeySource, fn: (keys: BackupKeys) => Promise<T>): Promise<T> {
  const keys = await BackupKeys.derive(src);
  try {
    return await fn(keys);
  } finally {
    keys.dispose();
  }
}
