/**
 * The account backup as the messaging core runs it. One device writes the
 * backup: the account's longest-linked device still in its signed list (a
 * restored device adopts the backup it restored). That device runs the
 * debounced scheduler; every device can show the status, and the writer can
 * back up on request.
 */
import { Secret } from '../crypto/secret';
import { fromBase64Url } from '../../shared/wire/encoding';
import { BackupScheduler, backupStatus, runBackup, type BackupKeySource } from '.';
import type { ScheduledOutcome } from './scheduler';
import { BACKUP_EXIT_RUNS } from '../../shared/constants';
import type { LocalStore } from '../store';
import type { BackupKeyRecord } from '../account/record';
import { BackupError } from './errors';
import { storedList } from '../account/deviceList';

/** The backup keys of an account record as Secrets (disposed with the runner). */
export function backupKeysOf(r: BackupKeyRecord): BackupKeySource & { dispose(): void } {
  const backupAuthKey = new Secret('BackupAuthKey', fromBase64Url(r.authKey)!);
  const backupKey = new Secret('BackupKey', fromBase64Url(r.key)!);
  return {
    backupId: r.id,
    backupAuthKey,
    backupKey,
    dispose() {
      backupAuthKey.dispose();
      backupKey.dispose();
    },
  };
}

/** True when this device is the account's backup writer: the earliest-linked device of the current list. */
export function isBackupWriter(store: LocalStore, deviceId: string): boolean {
  const list = storedList(store);
  if (!list || list.devices.length === 0) return true;
  const first = [...list.devices].sort((a, b) => a.addedAt - b.addedAt || (a.deviceId < b.deviceId ? -1 : 1))[0]!;
  return first.deviceId === deviceId;
}

/** The backup runner for one set of keys: scheduled runs on the writer device, and "back up now". */
export class AccountBackup {
  #scheduler: BackupScheduler | null = null;
  #running = false;

  constructor(
    private readonly store: LocalStore,
    private readonly keys: (BackupKeySource & { dispose(): void }) | null,
    private readonly deviceId: string,
    private readonly httpUrl: () => string,
    private readonly onChange: () => void,
  ) {}

  start(): void {
    if (!this.keys || this.#scheduler || !isBackupWriter(this.store, this.deviceId)) return;
    this.#scheduler = new BackupScheduler({ store: this.store, keys: this.keys, httpUrl: this.httpUrl, replaceForeign: true, onRun: () => this.onChange() });
    this.#scheduler.start();
  }

  status(): { lastBackupAt: number | null; status: 'idle' | 'ok' | 'failed' | 'running'; error: string | null } {
    const s = backupStatus(this.store);
    return { lastBackupAt: s.lastBackupAt, status: this.#running ? 'running' : s.status, error: s.code };
  }

  /** Backs up now (only the writer device does: two writers would keep rewriting each other's backup). */
  async now(): Promise<void> {
    if (!this.keys) throw new BackupError('BACKUP_NO_KEYS', 'This account has no backup keys.');
    if (!isBackupWriter(this.store, this.deviceId)) throw new BackupError('BACKUP_NOT_WRITER', 'Your first-linked desktop writes the backup; back up from there.');
    this.#running = true;
    this.onChange();
    try {
      await runBackup({ httpUrl: this.httpUrl(), keys: this.keys, store: this.store, force: true, replaceForeign: true });
    } finally {
      this.#running = false;
      this.onChange();
    }
  }

  /**
   * For a one-shot process about to exit (the CLI): the scheduler's
   * debounce would never fire, so write the incremental backup now when
   * anything changed since the last one (runBackup answers 'unchanged'
   * otherwise, uploading nothing). A message that changed again while a
   * run uploaded (its receipt arrived) is left to the next run, so runs
   * repeat until one finds nothing new, at most BACKUP_EXIT_RUNS. Null when
   * this device does not write backups; a failure is recorded in the
   * backup status, never thrown.
   */
  async beforeExit(): Promise<ScheduledOutcome | null> {
    if (!this.#scheduler) return null;
    this.#running = true;
    try {
      let outcome = await this.#scheduler.runNow();
      for (let i = 1; i < BACKUP_EXIT_RUNS && outcome.ok && outcome.result.mode !== 'unchanged'; i++) outcome = await this.#scheduler.runNow();
      return outcome;
    } finally {
      this.#running = false;
    }
  }

  async stop(): Promise<void> {
    await this.#scheduler?.stop();
    this.#scheduler = null;
    this.keys?.dispose();
  }
}
