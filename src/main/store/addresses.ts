/**
 * The integer keys of recipient device addresses ("accountId.deviceId", or
 * an awaitingDevicesOf placeholder "accountId."), which the outbox (v19)
 * and the resend log (v21) store instead of the text. A key is never
 * renumbered; it is deleted only when neither table names it any more.
 */
import { prep, type SqliteDatabase } from './database';

/** The key of `address`, added if it has none; inside the caller's transaction. */
export function addressId(db: SqliteDatabase, address: string): number {
  const id = prep(db, 'SELECT id FROM addresses WHERE address = ?').pluck().get(address) as number | undefined;
  return id ?? Number(prep(db, 'INSERT INTO addresses (address) VALUES (?)').run(address).lastInsertRowid);
}

/** Deletes the key of `address` if neither the outbox nor the resend log names it (a dropped or forgotten device). */
export function forgetAddressIfUnused(db: SqliteDatabase, address: string): void {
  prep(db, `DELETE FROM addresses WHERE address = ? AND NOT EXISTS (SELECT 1 FROM outbox WHERE recipient = addresses.id)
    AND NOT EXISTS (SELECT 1 FROM resend_log WHERE recipient = addresses.id)`).run(address);
}
