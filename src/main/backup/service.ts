/**
 * The backup service: runs the account backup on this device (the writer
 * only) and swaps its keys when the bus says the account switched to a
 * rotated key.
 */
import type { AccountBus } from '../account/events';
import type { BackupKeyRecord } from '../account/record';
import type { LocalStore } from '../store';
import { AccountBackup, backupKeysOf } from './accountBackup';

/** The account backup of one running profile (see the file comment). */
export class BackupService {
  #backup: AccountBackup;

  constructor(
    private readonly store: LocalStore,
    private readonly bus: AccountBus,
    record: BackupKeyRecord | null,
    deviceId: string,
    private readonly httpUrl: () => string,
  ) {
    this.#backup = this.#runner(record, deviceId);
    bus.on('accountSwitched', async (keys, backup) => {
      await this.#backup.stop();
      this.#backup = this.#runner(backup, keys.deviceId);
      this.#backup.start();
    });
  }

  #runner(record: BackupKeyRecord | null, deviceId: string): AccountBackup {
    return new AccountBackup(this.store, record ? backupKeysOf(record) : null, deviceId, this.httpUrl, () => this.bus.emit('backupChanged'));
  }

  /** Starts the scheduled backups (the writer device only). */
  start(): void {
    this.#backup.start();
  }

  /** When the backup last ran and how it went. */
  status(): ReturnType<AccountBackup['status']> {
    return this.#backup.status();
  }

  /** Writes the backup now (the writer device only); returns the new status. */
  async now(): Promise<ReturnType<AccountBackup['status']>> {
    await this.#backup.now();
    return this.#backup.status();
  }

  /** Before a one-shot process exits: writes the incremental backup if anything changed (see AccountBackup.beforeExit); null when this device is not the writer. */
  beforeExit(): ReturnType<AccountBackup['beforeExit']> {
    return this.#backup.beforeExit();
  }

  /** Stops the schedule and erases the backup keys held in memory. */
  stop(): Promise<void> {
    return this.#backup.stop();
  }
}
