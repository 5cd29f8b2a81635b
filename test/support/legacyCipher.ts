/**
 * Store files in the legacy page cipher (SQLCipher v4, the scheme stores
 * were made in before 2026-12-03), made the way SQLite3MC makes them: a
 * current file re-keyed into that scheme. And raw probes of which scheme
 * decrypts a file, without Parley's opener (which would move it).
 */
import fs from 'node:fs';
import Database from 'better-sqlite3-multiple-ciphers';
import { applyPageCipher, type PageCipher } from '../../src/main/store/pageCipher';
import { SecretKey } from '../../src/main/store/secretKey';

/** Re-keys a closed current-scheme file into the legacy scheme (WAL mode and no marker, as the old code left it). */
export function toLegacyCipher(dbPath: string, key: Uint8Array): void {
  const db = new Database(dbPath);
  try {
    applyPageCipher(db, 'chacha20', new SecretKey(key.slice()));
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.pragma('journal_mode = DELETE');
    db.pragma(`cipher = 'sqlcipher'`);
    db.pragma('legacy = 4');
    db.pragma(`rekey = ${new SecretKey(key.slice()).pragmaLiteral()}`);
    db.pragma('journal_mode = WAL');
  } finally {
    db.close();
  }
  fs.rmSync(`${dbPath}-cipher`, { force: true }); // the old code wrote no marker
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

/** Which scheme decrypts the file now (null: neither). Opening may roll back a hot journal, as any open would. */
export function schemeOfFile(dbPath: string, key: Uint8Array): PageCipher | null {
  for (const scheme of ['sqlcipher4', 'chacha20'] as const) {
    try {
      rawOpen(dbPath, key, scheme).close();
      return scheme;
    } catch {
      // Not this scheme: the next is tried, and null says neither decrypts.
    }
  }
  return null;
}
