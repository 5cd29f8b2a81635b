/**
 * Opening a page-encrypted SQLite file: SQLite3MultipleCiphers with the
 * page cipher of store/pageCipher.ts and a raw 256-bit key (no per-open key
 * stretching),
 * WAL, secure_delete, files created 0600 (SQLite gives -wal/-shm the
 * database file's mode).
 */
import fs from 'node:fs';
import Database from 'better-sqlite3-multiple-ciphers';
import { STORE_CACHE_KIB, STORE_WAL_AUTOCHECKPOINT_PAGES } from '../../shared/constants';
import { StoreError } from './errors';
import { movePageCipher } from './cipherMove';
import { applyPageCipher, CURRENT_PAGE_CIPHER, markScheme, rekeyPages, schemeOf, schemeOrder, type CipherMove, type PageCipher } from './pageCipher';
import type { SecretKey } from './secretKey';

/** An open better-sqlite3 database. */
export type SqliteDatabase = Database.Database;

/** How to open the database file beyond its path and key. */
export interface DatabaseOpenOptions {
  /** Path of a better-sqlite3 addon built for another ABI (the Electron app's copy). */
  readonly nativeBinding?: string | undefined;
}

const NOT_A_DB = new Set(['SQLITE_NOTADB', 'SQLITE_CORRUPT']);
const BUSY = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED']);

const moves = new WeakMap<SqliteDatabase, CipherMove>();

/** What opening did to the file's page cipher (moved, deferred, or nothing), for the store's audit log. */
export function cipherMoveOf(db: SqliteDatabase): CipherMove {
  return moves.get(db) ?? { kind: 'none' };
}

/** Session pragmas shared by the encrypted store and the benchmark's plain baseline. */
export function applySessionPragmas(db: SqliteDatabase): void {
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode survives any process crash (SIGKILL); only power loss can drop the last commits.
  db.pragma('synchronous = NORMAL');
  db.pragma('secure_delete = ON');
  db.pragma('foreign_keys = ON');
  db.pragma(`wal_autocheckpoint = ${STORE_WAL_AUTOCHECKPOINT_PAGES}`);
  db.pragma(`cache_size = -${STORE_CACHE_KIB}`);
  db.pragma('temp_store = MEMORY');
}

/**
 * Runs `fn` with `secure_delete = FAST`, then ON again (also when `fn`
 * throws). Only for deleting rows that hold nothing but bytes the relay
 * has received verbatim (the outbox's sealed envelopes): FAST still zeroes
 * deleted cells on every page it writes, but leaves a page that the delete
 * frees as it was instead of writing it again as zeros, which saved ≈ 1
 * page write per sent text (docs/BENCHMARKS.md, stop 28). Not nested.
 */
export function withFastSecureDelete<T>(db: SqliteDatabase, fn: () => T): T {
  db.pragma('secure_delete = FAST');
  try {
    return fn();
  } finally {
    db.pragma('secure_delete = ON');
  }
}

/** Creates the file with mode 0600 if it does not exist yet. */
export function createPrivateFile(path: string): void {
  try {
    fs.closeSync(fs.openSync(path, 'wx', 0o600));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  fs.chmodSync(path, 0o600);
}

const fileId = (path: string): string => {
  const st = fs.statSync(path);
  return `${st.dev}:${st.ino}`;
};

/** Thrown inside `openWith` when the path was renamed over while we waited for its lock. */
class FileReplaced extends Error {}

/**
 * Opens `path` keyed for `scheme` and reads its schema page; throws what
 * SQLite threw. If the path names another file after the read than before
 * the open (a move renamed its copy into place while this waited for the
 * lock), this connection holds the old file: it is closed and FileReplaced
 * thrown, so the caller opens again.
 */
function openWith(path: string, key: SecretKey, scheme: PageCipher, opts: DatabaseOpenOptions): SqliteDatabase {
  const before = fileId(path);
  const db = new Database(path, opts.nativeBinding ? { nativeBinding: opts.nativeBinding } : {});
  try {
    applyPageCipher(db, scheme, key);
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    if (fileId(path) !== before) throw new FileReplaced();
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

/** Opens the file in whichever scheme decrypts it (tried in `schemeOrder`) and records that scheme beside it. */
function openAnyScheme(path: string, key: SecretKey, opts: DatabaseOpenOptions): SqliteDatabase {
  for (let replaced = 0; ; replaced++) {
    try {
      return openTrying(path, key, opts);
    } catch (e) {
      if (!(e instanceof FileReplaced)) throw e;
      if (replaced >= 2) throw new StoreError('STORE_BUSY', 'The store file kept being replaced while it was opened; try again.', { cause: e });
    }
  }
}

/** One pass of `openAnyScheme` over the schemes to try. */
function openTrying(path: string, key: SecretKey, opts: DatabaseOpenOptions): SqliteDatabase {
  let last: unknown;
  for (const scheme of schemeOrder(path)) {
    try {
      const db = openWith(path, key, scheme, opts);
      markScheme(path, scheme);
      return db;
    } catch (e) {
      if (e instanceof FileReplaced) throw e;
      const code = (e as { code?: string }).code ?? '';
      if (BUSY.has(code)) throw new StoreError('STORE_BUSY', 'Another Parley process holds the store (it may be updating it); try again.', { cause: e });
      if (!NOT_A_DB.has(code)) throw e;
      last = e;
    }
  }
  throw new StoreError('STORE_CORRUPT', 'The store does not decrypt: wrong key or damaged file.', { cause: last });
}

/**
 * Opens (or creates) an encrypted database; a wrong key or tampered page
 * gives STORE_CORRUPT and changes nothing. A file in a legacy page cipher
 * is moved to the current one first when no other connection has it open
 * (`cipherMoveOf` tells what happened).
 */
export function openEncryptedDatabase(path: string, key: SecretKey, opts: DatabaseOpenOptions = {}): SqliteDatabase {
  createPrivateFile(path);
  let db = openAnyScheme(path, key, opts);
  let move: CipherMove = { kind: 'none' };
  const found = schemeOf(db);
  if (found !== CURRENT_PAGE_CIPHER) {
    db.close();
    move = movePageCipher(path, key, found, opts.nativeBinding);
    db = openAnyScheme(path, key, opts);
  }
  try {
    applySessionPragmas(db);
  } catch (e) {
    db.close();
    throw e;
  }
  moves.set(db, move);
  return db;
}

/** Runs a read that must touch every page, so a tampered page anywhere surfaces as STORE_CORRUPT. */
export function verifyIntegrity(db: SqliteDatabase): void {
  try {
    const r = db.pragma('quick_check', { simple: true });
    if (r !== 'ok') throw new StoreError('STORE_CORRUPT', 'The store failed its integrity check.');
  } catch (e) {
    if (e instanceof StoreError) throw e;
    throw new StoreError('STORE_CORRUPT', 'The store failed its integrity check.', { cause: e });
  }
}

/** Rotates the page key. SQLite3MC cannot rekey in WAL mode, so the journal mode is switched around it. */
export function rekeyDatabase(db: SqliteDatabase, next: SecretKey): void {
  db.pragma('main.wal_checkpoint(TRUNCATE)');
  db.pragma('journal_mode = DELETE');
  rekeyPages(db, next);
  db.pragma('journal_mode = WAL');
}

const statements = new WeakMap<SqliteDatabase, Map<string, Database.Statement>>();

/** A prepared statement cached per connection (better-sqlite3 does not cache; preparing per call costs more than a row insert). */
export function prep(db: SqliteDatabase, sql: string): Database.Statement {
  let m = statements.get(db);
  if (!m) statements.set(db, (m = new Map()));
  let s = m.get(sql);
  if (!s) m.set(sql, (s = db.prepare(sql)));
  return s;
}

/**
 * Runs `fn` in the caller's transaction when there is one (no savepoint of
 * its own: the caller's transaction, or the savepoint it put around this
 * call, rolls back whatever `fn` wrote if it throws), else in a new
 * immediate transaction. A savepoint per call cost ~20–60 µs in the receive
 * and send batches.
 */
export function inTransaction<T>(db: SqliteDatabase, fn: () => T): T {
  return db.inTransaction ? fn() : db.transaction(fn).immediate();
}

/** One item's result in `transactionEach`: its value, or the error it threw (nothing of it was kept). */
export type EachResult<R> = { readonly ok: true; readonly value: R } | { readonly ok: false; readonly error: unknown };

/**
 * Runs `run` for every item, in order, in ONE immediate transaction, and
 * commits. If an item throws, that whole pass rolls back and the items run
 * again, each in its own savepoint: the one that throws again rolls back
 * alone (its error is in its result, and `onError` records it inside the
 * transaction) and the others commit. `run` must keep all its writes in the
 * database (a rolled-back pass leaves nothing behind) and may run twice.
 */
export function transactionEach<T, R>(
  db: SqliteDatabase, items: readonly T[], run: (item: T) => R, onError?: (item: T, e: unknown) => void,
  /** Wraps the first pass only (inside its transaction): what may hold writes until the pass ends, since any throw rolls all of it back. */
  firstPass: (all: () => EachResult<R>[]) => EachResult<R>[] = (all) => all(),
): EachResult<R>[] {
  return transactionStaged(db, items, (i) => {
    const value = run(i);
    return () => value;
  }, onError, firstPass);
}

/**
 * transactionEach in two stages: `prepare` does an item's reads and
 * computing (encryption, say) and returns its writes, which run after every
 * item of the first pass was prepared, in order. SQLite's B-tree code then
 * runs in one stretch with its pages warm in the CPU caches instead of
 * between two items' crypto: a message insert cost ≈ 30 µs interleaved
 * against ≈ 16 µs staged in bench:app's send (docs/BENCHMARKS.md, stop
 * 28). A prepare must not read what an earlier item's writes write (they
 * are not written yet in the first pass); the second pass, one savepoint
 * per item, runs each item's prepare and writes together. Both may run
 * twice, as in transactionEach.
 */
export function transactionStaged<T, R>(
  db: SqliteDatabase, items: readonly T[], prepare: (item: T) => () => R, onError?: (item: T, e: unknown) => void,
  firstPass: (all: () => EachResult<R>[]) => EachResult<R>[] = (all) => all(),
): EachResult<R>[] {
  try {
    return db.transaction(() => firstPass(() => items.map(prepare).map((write): EachResult<R> => ({ ok: true, value: write() })))).immediate();
  } catch {
    // Which item, and whether it fails again alone, is for the second pass to find out.
  }
  return db.transaction(() =>
    items.map((i): EachResult<R> => {
      try {
        return { ok: true, value: db.transaction(() => prepare(i)())() };
      } catch (e) {
        onError?.(i, e);
        return { ok: false, error: e };
      }
    }),
  ).immediate();
}
