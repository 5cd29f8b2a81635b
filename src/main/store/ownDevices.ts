/** This account's devices as this device knows them: names, when each was linked and last heard from. Every value is bound. */
import { prep, type SqliteDatabase } from './database';

/** One of this account's devices. */
export interface OwnDeviceRow {
  readonly deviceId: string;
  readonly name: string;
  readonly isThisDevice: boolean;
  readonly linkedAt: number;
  readonly lastSeenAt: number | null;
}

/** The `own_devices` table (the signed list itself is a setting, see account/deviceList.ts). */
export class OwnDeviceRepo {
  constructor(private readonly db: SqliteDatabase) {}

  /** Every own device, oldest link first. */
  all(): OwnDeviceRow[] {
    const rows = prep(this.db, 'SELECT device_id, name, is_this_device, created_at, last_seen_at FROM own_devices ORDER BY created_at, device_id').all() as
      { device_id: string; name: string; is_this_device: number; created_at: number; last_seen_at: number | null }[];
    return rows.map((r) => ({ deviceId: r.device_id, name: r.name, isThisDevice: r.is_this_device === 1, linkedAt: r.created_at, lastSeenAt: r.last_seen_at }));
  }

  /** True when `deviceId` is one of this account's devices (one indexed lookup, for the receive path). */
  has(deviceId: string): boolean {
    return prep(this.db, 'SELECT 1 FROM own_devices WHERE device_id = ?').get(deviceId) !== undefined;
  }

  /** Adds a device a verified list names. */
  add(deviceId: string, name: string, isThisDevice: boolean, linkedAt: number): void {
    prep(this.db, 'INSERT INTO own_devices (device_id, name, is_this_device, created_at) VALUES (?, ?, ?, ?)').run(deviceId, name, isThisDevice ? 1 : 0, linkedAt);
  }

  /** Forgets a device the list no longer names, with our session to it (`address` is `account.device`). */
  remove(deviceId: string, address: string): void {
    prep(this.db, 'DELETE FROM own_devices WHERE device_id = ?').run(deviceId);
    prep(this.db, 'DELETE FROM sessions WHERE address = ?').run(address);
  }

  /** Sets the name a device is shown under. */
  rename(deviceId: string, name: string): void {
    prep(this.db, 'UPDATE own_devices SET name = ? WHERE device_id = ?').run(name, deviceId);
  }

  /** Records that another of our devices was heard from at `at`. */
  noteSeen(deviceId: string, at: number): void {
    prep(this.db, 'UPDATE own_devices SET last_seen_at = ? WHERE device_id = ? AND is_this_device = 0').run(at, deviceId);
  }
}
