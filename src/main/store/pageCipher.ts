/**
 * The page cipher of a store file, and the one-time move of older files to
 * the current one.
 *
 * - `aegis` (current, from 2026-12-05): SQLite3MultipleCiphers' AEGIS-256
 *   scheme, pinned to that algorithm: a random 32-byte nonce and a 32-byte
 *   tag per page, a one-time key per page write, keyed with its own subkey
 *   of the database key, given raw (no key derivation at open). With AES
 *   instructions it costs ≈ 7 µs per page written against ≈ 15 µs for
 *   chacha20 (docs/BENCHMARKS.md, stop 30), and a sent text writes about two.
 * - `chacha20` (legacy, 2026-12-03 to 2026-12-05): ChaCha20-Poly1305, a
 *   random nonce and a 16-byte tag per page, its own subkey of the database
 *   key.
 * - `sqlcipher4` (legacy, before 2026-12-03): the SQLCipher v4 scheme
 *   (AES-256-CBC with HMAC-SHA512 per page) keyed with the database key
 *   itself. It cost ≈ 13–37 µs per page written.
 *
 * A legacy file is moved by store/cipherMove.ts (a copy, re-keyed, renamed
 * into place). `parley.db-cipher` beside the file names its scheme, so an
 * open never guesses while a rollback journal (a key rotation cut short)
 * waits to be replayed: see `schemeOrder`. No key serves two schemes.
 */
import fs from 'node:fs';
import type { SqliteDatabase } from './database';
import { StoreError } from './errors';
import type { SecretKey } from './secretKey';

/** A page cipher scheme a store file can be in. */
export type PageCipher = 'aegis' | 'chacha20' | 'sqlcipher4';

/** Every scheme, the current one first. */
export const PAGE_CIPHERS: readonly PageCipher[] = ['aegis', 'chacha20', 'sqlcipher4'];

/** The schemes keyed with a subkey of the database key (SQLCipher v4 takes the key itself). */
export type SubkeyedCipher = Exclude<PageCipher, 'sqlcipher4'>;

/** The scheme new files get and older ones are moved to. */
export const CURRENT_PAGE_CIPHER: SubkeyedCipher = 'aegis';

/** The crypto_kdf context of the page keys, and each scheme's id under it (the seal key is id 1 of 'parleysl'). */
const PAGE_KEY_CONTEXT = 'parleypg';
const PAGE_KEY_IDS: Readonly<Record<SubkeyedCipher, number>> = { chacha20: 1, aegis: 2 };

/** The AEGIS variant, pinned: a file written in one is read only in it, whatever SQLite3MC's default becomes. */
const AEGIS_ALGORITHM = 'aegis-256';

/** What opening did to the file's scheme, for the audit log (`reason`: `in_use`, or the error code that stopped the move). */
export type CipherMove =
  | { readonly kind: 'none' }
  | { readonly kind: 'moved'; readonly from: PageCipher; readonly to: PageCipher; readonly ms: number }
  | { readonly kind: 'deferred'; readonly from: PageCipher; readonly reason: string };

const schemes = new WeakMap<SqliteDatabase, PageCipher>();

/** The scheme an open connection reads and writes with. */
export function schemeOf(db: SqliteDatabase): PageCipher {
  const s = schemes.get(db);
  if (!s) throw new StoreError('STORE_BAD_INPUT', 'This connection was not opened by openEncryptedDatabase.');
  return s;
}

/** Keys a fresh connection for `scheme` (before its first read). */
export function applyPageCipher(db: SqliteDatabase, scheme: PageCipher, key: SecretKey): void {
  if (scheme === 'sqlcipher4') {
    db.pragma(`cipher = 'sqlcipher'`);
    db.pragma('legacy = 4');
    db.pragma(`key = ${key.pragmaLiteral()}`);
  } else {
    selectCipher(db, scheme);
    withPageKey(key, scheme, (k) => db.pragma(`key = ${k}`));
  }
  schemes.set(db, scheme);
}

/** Makes `scheme` the one the connection's next key or rekey uses. */
function selectCipher(db: SqliteDatabase, scheme: SubkeyedCipher): void {
  db.pragma(`cipher = '${scheme}'`);
  if (scheme === 'aegis') db.pragma(`algorithm = '${AEGIS_ALGORITHM}'`);
}

/** Re-keys every page of `db` under `next` in the scheme it is in (journal mode must not be WAL). */
export function rekeyPages(db: SqliteDatabase, next: SecretKey): void {
  const scheme = schemeOf(db);
  if (scheme === 'sqlcipher4') db.pragma(`rekey = ${next.pragmaLiteral()}`);
  else withPageKey(next, scheme, (k) => db.pragma(`rekey = ${k}`));
}

/** Re-writes every page of `db` (open in another scheme, journal mode not WAL) in `scheme` under `key`'s page subkey for it. */
export function rekeyInto(db: SqliteDatabase, scheme: SubkeyedCipher, key: SecretKey): void {
  selectCipher(db, scheme);
  withPageKey(key, scheme, (k) => db.pragma(`rekey = ${k}`));
  schemes.set(db, scheme);
}

/** Runs `use` with the pragma literal of `key`'s page subkey for `scheme`, zeroed afterwards. */
export function withPageKey(key: SecretKey, scheme: SubkeyedCipher, use: (literal: string) => void): void {
  const sub = key.derive(PAGE_KEY_IDS[scheme], PAGE_KEY_CONTEXT);
  try {
    use(sub.pragmaLiteral());
  } finally {
    sub.dispose();
  }
}

/** The file beside the database that names its scheme (no secret in it: one word). */
const markerPath = (dbPath: string): string => `${dbPath}-cipher`;

/** The scheme the marker names, or null (no marker: a file made before markers, or a new one). */
export function markedScheme(dbPath: string): PageCipher | null {
  let text: string;
  try {
    text = fs.readFileSync(markerPath(dbPath), 'utf8').trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  const named = PAGE_CIPHERS.find((c) => c === text);
  if (named) return named;
  throw new StoreError('STORE_CORRUPT', 'The store\'s cipher marker is unreadable.');
}

/** Records the file's scheme (written aside, then renamed over the old marker). */
export function markScheme(dbPath: string, scheme: PageCipher): void {
  if (markedScheme(dbPath) === scheme) return;
  const tmp = `${markerPath(dbPath)}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${scheme}\n`, { mode: 0o600 });
  fs.renameSync(tmp, markerPath(dbPath));
}

/**
 * Whether a rollback journal would be replayed, by SQLite's own rule
 * (pager.c hasHotJournal): it exists, is not empty, and its first byte is
 * not zero. A connection in exclusive locking mode ends a transaction by
 * zeroing the journal's header instead of deleting the file, so a move
 * killed after its rename left such a journal beside the new file, and
 * counting it as hot tried only the old scheme (cipherMoveCrash found it).
 */
function hotJournal(journalPath: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(journalPath, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
  try {
    const first = Buffer.alloc(1);
    return fs.readSync(fd, first, 0, 1, 0) === 1 && first[0] !== 0;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The schemes to try, in order. While a hot rollback journal exists (a move or
 * a key rotation that did not finish), only the marked scheme: opening
 * with another would replay that journal through the wrong cipher and
 * destroy pages. The marker changes only after a move commits, so it names
 * the scheme the journal was written in; a file without one predates the
 * move and is legacy. Without a journal a wrong try reads nothing and
 * writes nothing, so all are tried, the marked one first, and the first
 * again last (another process may have moved the file in between).
 */
export function schemeOrder(dbPath: string): PageCipher[] {
  const marked = markedScheme(dbPath);
  if (hotJournal(`${dbPath}-journal`)) return [marked ?? 'sqlcipher4'];
  const first = marked ?? CURRENT_PAGE_CIPHER;
  return [first, ...PAGE_CIPHERS.filter((c) => c !== first), first];
}
