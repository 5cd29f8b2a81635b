/**
 * Store files in a legacy page cipher (SQLCipher v4, the scheme stores were
 * made in before 2026-12-03, or chacha20, from then to 2026-12-05), made the
 * way SQLite3MC makes them: a current file re-keyed into that scheme. And
 * raw probes of which scheme decrypts a file, without Parley's opener (which
 * would move it).
 */
import fs from 'node:fs';
import Database from 'better-sqlite3-multiple-ciphers';
import { applyPageCipher, CURRENT_PAGE_CIPHER, markScheme, PAGE_CIPHERS, rekeyInto, type PageCipher } from '../../src/main/store/pageCipher';
import { SecretKey } from '../../src/main/store/secretKey';

/** The schemes a store file may still be in and is moved from. */
export type LegacyCipher = Exclude<PageCipher, 'aegis'>;
export const LEGACY_CIPHERS: readonly LegacyCipher[] = ['sqlcipher4', 'chacha20'];

/**
 * Re-keys a closed current-scheme file into a legacy scheme, in WAL mode and
 * with the marker the code of that time left: none for SQLCipher v4, one
 * naming chacha20 for chacha20.
 */
export function toLegacyCipher(dbPath: string, key: Uint8Array, scheme: LegacyCipher = 'sqlcipher4'): void {
  const db = new Database(dbPath);
  try {
    applyPageCipher(db, CURRENT_PAGE_CIPHER, new SecretKey(key.slice()));
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.pragma('journal_mode = DELETE');
    if (scheme === 'sqlcipher4') {
      db.pragma(`cipher = 'sqlcipher'`);
      db.pragma('legacy = 4');
      db.pragma(`rekey = ${new SecretKey(key.slice()).pragmaLiteral()}`);
    } else {
      rekeyInto(db, scheme, new SecretKey(key.slice()));
    }
    db.pragma('journal_mode = WAL');
  } finally {
    db.close();
  }
  fs.rmSync(`${dbPath}-cipher`, { force: true });
  if (scheme === 'chacha20') markScheme(dbPath, scheme);
}

/** A raw connection to `dbPath` keyed for `scheme` (with `exclusive`, holding the file's lock as a move does), its schema read (throws SQLite's error when it does not decrypt). */
export function rawOpen(dbPath: string, key: Uint8Array, scheme: PageCipher, opts: { timeout?: number; exclusive?: boolean } = {}): Database.Database {
  const db = new Database(dbPath, opts.timeout === undefined ? {} : { timeout: opts.timeout });
  try {
    applyPageCipher(db, scheme, new SecretKey(key.slice()));
    if (opts.exclusive) db.pragma('locking_mode = EXCLUSIVE'); // held from the first read on
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

/** Which scheme decrypts the file now (null: none). Opening may roll back a hot journal, as any open would. */
export function schemeOfFile(dbPath: string, key: Uint8Array): PageCipher | null {
  for (const scheme of PAGE_CIPHERS) {
    try {
      rawOpen(dbPath, key, scheme).close();
      return scheme;
    } catch {
      // Not this scheme: the next is tried, and null says none decrypts.
    }
  }
  return null;
}
