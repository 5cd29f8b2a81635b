/**
 * Moving a store file from a legacy page cipher to the current one
 * (store/pageCipher.ts), once, at open.
 *
 * SQLite3MC 2.3's in-place rekey between schemes whose pages reserve
 * different space is not crash-safe: a process killed inside it left files
 * that opened in neither scheme (test/integration/cipherMoveCrash.test.ts
 * found it). So the move works on a copy and renames it into place:
 * 1. Take the file's lock exclusively, which succeeds only when no other
 *    connection (the app and a CLI command on one profile) has it open;
 *    otherwise wait for a later open. Fold the WAL in and leave WAL mode.
 * 2. `VACUUM INTO` a sibling `parley.db.moving` (same scheme and key), re-key
 *    that copy into the current scheme, check every page of it, fsync it.
 * 3. Rename it over the original (atomic) while still holding the lock, and
 *    mark the new scheme. A crash before the rename leaves the original
 *    untouched and a stale copy that the next move deletes; after it, the
 *    new file, which the opener finds by trying both schemes (no journal).
 * A process that opened the old file while the lock was held finds, once
 * it gets the lock, that the path now names another file, and reopens
 * (database.ts `openWith`).
 */
import fs from 'node:fs';
import Database from 'better-sqlite3-multiple-ciphers';
import { applyPageCipher, CURRENT_PAGE_CIPHER, markScheme, rekeyInto, type CipherMove, type PageCipher } from './pageCipher';
import type { SecretKey } from './secretKey';

const codeOf = (e: unknown): string => (e as { code?: string }).code ?? 'UNKNOWN';
const isBusy = (e: unknown): boolean => ['SQLITE_BUSY', 'SQLITE_LOCKED'].includes(codeOf(e));
const isNotADb = (e: unknown): boolean => ['SQLITE_NOTADB', 'SQLITE_CORRUPT'].includes(codeOf(e));

/** Deletes a copy (and its side files) that an earlier move left behind. */
function removeCopy(copy: string): void {
  for (const f of [copy, `${copy}-journal`, `${copy}-wal`, `${copy}-shm`]) fs.rmSync(f, { force: true });
}

function fsyncPath(p: string): void {
  const fd = fs.openSync(p, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Re-keys the closed copy at `copy` from `from` into the current scheme and checks every page. */
function convertCopy(copy: string, key: SecretKey, from: PageCipher, nativeBinding: string | undefined): void {
  const db = new Database(copy, nativeBinding ? { nativeBinding } : {});
  try {
    applyPageCipher(db, from, key);
    db.pragma('journal_mode = DELETE');
    rekeyInto(db, CURRENT_PAGE_CIPHER, key);
    db.pragma('journal_mode = WAL');
    if (db.pragma('quick_check', { simple: true }) !== 'ok') throw Object.assign(new Error('the moved copy failed its check'), { code: 'COPY_CHECK_FAILED' });
  } finally {
    db.close();
  }
  fsyncPath(copy);
}

/**
 * Moves a `from`-scheme file to the current scheme. 'deferred' (with why)
 * leaves the file as it was; 'moved' also when another process moved it
 * first.
 */
export function movePageCipher(path: string, key: SecretKey, from: PageCipher, nativeBinding?: string): CipherMove {
  const t = performance.now();
  const copy = `${path}.moving`;
  const deferred = (reason: string): CipherMove => ({ kind: 'deferred', from, reason });
  removeCopy(copy);
  const db = new Database(path, { timeout: 0, ...(nativeBinding ? { nativeBinding } : {}) });
  try {
    applyPageCipher(db, from, key);
    db.pragma('locking_mode = EXCLUSIVE');
    try {
      db.prepare('SELECT count(*) FROM sqlite_master').get();
    } catch (e) {
      if (isBusy(e)) return deferred('in_use');
      if (isNotADb(e)) return { kind: 'moved', from, to: CURRENT_PAGE_CIPHER, ms: Math.round(performance.now() - t) };
      throw e;
    }
    db.pragma('main.wal_checkpoint(TRUNCATE)');
    if (db.pragma('journal_mode = DELETE', { simple: true }) !== 'delete') return deferred('in_use');
    try {
      fs.closeSync(fs.openSync(copy, 'wx', 0o600)); // VACUUM INTO fills an empty file: this one is private from the start
      db.prepare('VACUUM INTO ?').run(copy);
      convertCopy(copy, key, from, nativeBinding);
    } catch (e) {
      removeCopy(copy);
      return deferred(isBusy(e) ? 'in_use' : codeOf(e));
    }
    for (const side of [`${path}-wal`, `${path}-shm`]) fs.rmSync(side, { force: true }); // the old file's, under our lock: none may meet the new one
    fs.renameSync(copy, path);
    markScheme(path, CURRENT_PAGE_CIPHER);
    return { kind: 'moved', from, to: CURRENT_PAGE_CIPHER, ms: Math.round(performance.now() - t) };
  } catch (e) {
    if (isBusy(e)) return deferred('in_use');
    throw e;
  } finally {
    db.close();
  }
}
