/**
 * LocalStore: the encrypted local database of one profile directory.
 *   <dir>/parley.db    page-encrypted SQLite (SQLCipher v4 scheme, raw key)
 *   <dir>/parley.keys  the database key, wrapped by passphrase and/or keychain
 * Key hierarchy: random DB key → page key (used as is) and, via crypto_kdf,
 * the seal subkey for key material inside the file.
 */
import fs from 'node:fs';
import path from 'node:path';
import sodium from 'libsodium-wrappers-sumo';
import { cipherMoveOf, openEncryptedDatabase, prep, rekeyDatabase, verifyIntegrity, type DatabaseOpenOptions, type SqliteDatabase } from './database';
import { AttachmentRepo } from './attachments';
import { AuditRepo } from './audit';
import { Delivery } from './delivery';
import { Directory } from './directory';
import { StoreError } from './errors';
import type { Keychain } from './keychain';
import {
  DEFAULT_PWHASH, KEY_FILE_VERSION, readKeyFile, unwrapWithKeychain, unwrapWithPassphrase, wrapWithKeychain, wrapWithPassphrase,
  writeKeyFile, type KeyFile, type PwhashParams,
} from './keyFile';
import { MessageRepo } from './messages';
import { SearchIndex } from './searchIndex';
import { PrekeyLedger } from './prekeyLedger';
import { AccountMoves } from './accountMoves';
import { ContactsRepo } from './contacts';
import { OwnDeviceRepo } from './ownDevices';
import { ListHeadRepo } from './listHeads';
import { SqliteProtocolStores } from './protocolStores';
import { SnapshotRows } from './snapshotRows';
import { ReactionRepo } from './reactions';
import { GroupRepo } from './groups';
import { ReceivedEventRepo } from './receivedEvents';
import { RepairRepo } from './repairs';
import { GroupHeldRepo } from './groupHeld';
import { ListRefreshRepo } from './listRefreshes';
import { migrate } from './schema';
import { Sealer } from './seal';
import { SecretKey } from './secretKey';

/** File name of the encrypted database in the data directory. */
export const DB_FILE = 'parley.db';
/** File name of the key file in the data directory. */
export const KEY_FILE = 'parley.keys';
const SEAL_CONTEXT = 'parleysl';
const SEAL_ID_SETTING = 'store.sealKeyId';

/** A public identifier of a database key's seal subkey (keyed hash of nothing), to tell which key sealed the rows. */
function sealKeyId(key: SecretKey): string {
  return sodium.to_hex(sodium.crypto_generichash(16, new Uint8Array(0), key.bytes));
}

/** Tables whose values are sealed, with the column and the row-id expression the AD uses. */
const SEALED: readonly { table: string; col: string; key: string; pk: string }[] = [
  { table: 'identity_keypair', col: 'record', key: `'1'`, pk: 'id' },
  { table: 'account', col: 'key_material', key: `'1'`, pk: 'id' },
  { table: 'sessions', col: 'record', key: 'address', pk: 'address' },
  { table: 'archived_sessions', col: 'record', key: 'CAST(rowid AS TEXT)', pk: 'rowid' },
  { table: 'prekeys', col: 'record', key: `kind || '.' || id`, pk: `kind || '.' || id` },
  { table: 'attachments', col: 'key', key: 'id', pk: 'id' },
  { table: 'groups', col: 'master_key', key: 'id', pk: 'id' },
  { table: 'group_sender_keys', col: 'record', key: 'key', pk: 'key' },
];

/** How to unlock a store: its directory, a passphrase or the keychain, and options for tests. */
export interface UnlockOptions extends DatabaseOpenOptions {
  readonly dir: string;
  readonly passphrase?: string | undefined;
  readonly keychain?: Keychain | undefined;
  /** Argon2id parameters for new wraps (default: the named MODERATE limits). */
  readonly pwhash?: PwhashParams | undefined;
  readonly clock?: (() => number) | undefined;
}

/** One profile's encrypted store and its repositories (see the file comment). */
export class LocalStore {
  readonly protocol: SqliteProtocolStores;
  readonly messages: MessageRepo;
  /** Messages stored but not yet in the search index, indexed in idle time (./searchIndex.ts). */
  readonly searchIndex: SearchIndex;
  readonly delivery: Delivery;
  readonly directory: Directory;
  readonly attachments: AttachmentRepo;
  readonly reactions: ReactionRepo;
  /** Edits, deletes, reactions, receipts and timers contacts sent, for `parley receive`. */
  readonly receivedEvents: ReceivedEventRepo;
  /** Resend log and effects waiting for their message (nothing is lost). */
  readonly repairs: RepairRepo;
  /** Group content waiting for the group state that allows it (schema 16). */
  readonly groupHeld: GroupHeldRepo;
  /** Accounts whose device list is owed a refresh, noted in the receive transaction (schema 17, ./listRefreshes.ts). */
  readonly listRefreshes: ListRefreshRepo;
  /** The audit log: key and session events, no content (./audit.ts). */
  readonly audit: AuditRepo;
  readonly prekeyLedger: PrekeyLedger;
  /** Contacts with trust, a pending new key and their listed devices (./contacts.ts). */
  readonly contacts: ContactsRepo;
  /** Bulk rows for snapshots, backups and linking (./snapshotRows.ts). */
  readonly snapshot: SnapshotRows;
  /** This account's devices (./ownDevices.ts). */
  readonly ownDevices: OwnDeviceRepo;
  /** Re-addressing rows when an account key changes (./accountMoves.ts). */
  readonly accountMoves: AccountMoves;
  /** The highest verified device list of every account, and contacts' split-view flags (./listHeads.ts). */
  readonly listHeads: ListHeadRepo;
  /** Groups: signed state versions, members, sender keys (sealed), pending group messages (./groups.ts). */
  readonly groups: GroupRepo;
  #key: SecretKey;
  #sealKey: SecretKey;
  readonly #sealer: Sealer;

  private constructor(readonly db: SqliteDatabase, key: SecretKey, readonly dir: string | null, private readonly keychain: Keychain | undefined,
    private readonly pwhash: PwhashParams, clock: () => number) {
    this.#key = key;
    this.#sealKey = key.derive(1, SEAL_CONTEXT);
    const sealer = new Sealer(this.#sealKey);
    this.#sealer = sealer;
    this.protocol = new SqliteProtocolStores(db, sealer, clock);
    this.searchIndex = new SearchIndex(db);
    this.messages = new MessageRepo(db, this.searchIndex);
    this.delivery = new Delivery(db, this.protocol, this.messages, clock);
    this.directory = new Directory(db, sealer);
    this.attachments = new AttachmentRepo(db, sealer);
    this.reactions = new ReactionRepo(db);
    this.receivedEvents = new ReceivedEventRepo(db);
    this.repairs = new RepairRepo(db, clock);
    this.groupHeld = new GroupHeldRepo(db, clock);
    this.listRefreshes = new ListRefreshRepo(db, clock);
    this.audit = new AuditRepo(db, clock);
    this.prekeyLedger = new PrekeyLedger(db, this.protocol);
    this.contacts = new ContactsRepo(this);
    this.snapshot = new SnapshotRows(db);
    this.ownDevices = new OwnDeviceRepo(db);
    this.accountMoves = new AccountMoves(db, this.protocol);
    this.listHeads = new ListHeadRepo(db);
    this.groups = new GroupRepo(db, sealer);
  }

  /**
   * Runs `work` inside one IMMEDIATE transaction that may await between
   * writes (so progress reaches the screen); commits when it resolves, rolls
   * back when it throws. Only for a store nothing else writes to meanwhile
   * (a new profile being filled before its Messenger starts).
   */
  async inAsyncTransaction<T>(work: () => Promise<T>): Promise<T> {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const out = await work();
      this.db.exec('COMMIT');
      return out;
    } catch (e) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw e;
    }
  }

  /** Creates a new store in `dir` with a fresh random key, wrapped by the passphrase and/or the keychain. */
  static async create(o: UnlockOptions): Promise<LocalStore> {
    await sodium.ready;
    if (o.passphrase === undefined && o.keychain === undefined) throw new StoreError('STORE_NO_UNLOCK_METHOD', 'Give a passphrase or a keychain.');
    fs.mkdirSync(o.dir, { recursive: true, mode: 0o700 });
    if (fs.existsSync(path.join(o.dir, KEY_FILE)) || fs.existsSync(path.join(o.dir, DB_FILE))) {
      throw new StoreError('STORE_EXISTS', 'A store already exists in this directory.');
    }
    const key = SecretKey.random();
    const p = o.pwhash ?? DEFAULT_PWHASH;
    const file: KeyFile = {
      version: KEY_FILE_VERSION,
      ...(o.passphrase !== undefined ? { passphrase: wrapWithPassphrase(key, o.passphrase, p) } : {}),
      ...(o.keychain ? { keychain: wrapWithKeychain(key, o.keychain) } : {}),
    };
    writeKeyFile(path.join(o.dir, KEY_FILE), file);
    return LocalStore.fromKey(path.join(o.dir, DB_FILE), key, o, o.dir);
  }

  /** Unlocks an existing store. A wrong passphrase gives STORE_WRONG_PASSPHRASE and touches no file. */
  static async open(o: UnlockOptions): Promise<LocalStore> {
    await sodium.ready;
    const file = readKeyFile(path.join(o.dir, KEY_FILE));
    if (!fs.existsSync(path.join(o.dir, DB_FILE))) throw new StoreError('STORE_CORRUPT', 'The database file is missing.');
    let key: SecretKey;
    if (o.passphrase !== undefined) key = unwrapWithPassphrase(file, o.passphrase);
    else if (o.keychain) key = unwrapWithKeychain(file, o.keychain);
    else throw new StoreError('STORE_NO_UNLOCK_METHOD', 'Give a passphrase or a keychain.');
    const nextPath = path.join(o.dir, `${KEY_FILE}.next`);
    if (fs.existsSync(nextPath)) {
      const nextFile = readKeyFile(nextPath);
      const next = o.passphrase !== undefined ? unwrapWithPassphrase(nextFile, o.passphrase) : unwrapWithKeychain(nextFile, o.keychain!);
      return LocalStore.recover(o, key, next);
    }
    return LocalStore.fromKey(path.join(o.dir, DB_FILE), key, o, o.dir);
  }

  /** Opens a database file with a raw key (tests, benchmarks, a key already unwrapped); await sodium.ready first. Takes ownership of `key`. */
  static fromKey(dbPath: string, key: SecretKey, o: Partial<UnlockOptions> = {}, dir: string | null = null): LocalStore {
    let db: SqliteDatabase;
    try {
      db = openEncryptedDatabase(dbPath, key, o);
    } catch (e) {
      key.dispose();
      throw e;
    }
    return LocalStore.build(db, key, o, dir);
  }

  private static build(db: SqliteDatabase, key: SecretKey, o: Partial<UnlockOptions>, dir: string | null): LocalStore {
    try {
      migrate(db);
    } catch (e) {
      db.close();
      key.dispose();
      throw e;
    }
    const store = new LocalStore(db, key, dir, o.keychain, o.pwhash ?? DEFAULT_PWHASH, o.clock ?? Date.now);
    const move = cipherMoveOf(db);
    if (move.kind === 'moved') store.audit.record('store.cipher_moved', { cipher: move.to, previousCipher: move.from, ms: move.ms });
    if (move.kind === 'deferred') store.audit.record('store.cipher_move_deferred', { previousCipher: move.from, reason: move.reason });
    return store;
  }

  /**
   * Finishes or abandons a re-key that a crash interrupted. `parley.keys.next`
   * exists from the start of a re-key until its end; the seal-key id in
   * settings tells whether the reseal committed.
   */
  private static recover(o: UnlockOptions, current: SecretKey, next: SecretKey): LocalStore {
    const dbPath = path.join(o.dir, DB_FILE);
    const keys = path.join(o.dir, KEY_FILE);
    let db: SqliteDatabase;
    try {
      db = openEncryptedDatabase(dbPath, current, o);
    } catch (e) {
      if (!(e instanceof StoreError) || e.code !== 'STORE_CORRUPT') throw e;
      // Pages were already rekeyed: only the key file rename was missing.
      current.dispose();
      const store = LocalStore.fromKey(dbPath, next, o, o.dir);
      fs.renameSync(`${keys}.next`, keys);
      return store;
    }
    if (prep(db, 'SELECT value FROM settings WHERE key = ?').pluck().get(SEAL_ID_SETTING) === sealKeyId(next)) {
      rekeyDatabase(db, next);
      fs.renameSync(`${keys}.next`, keys);
      current.dispose();
      return LocalStore.build(db, next, o, o.dir);
    }
    fs.rmSync(`${keys}.next`);
    next.dispose();
    return LocalStore.build(db, current, o, o.dir);
  }

  private keyFilePath(): string {
    if (!this.dir) throw new StoreError('STORE_BAD_INPUT', 'This store was opened by raw key and has no key file.');
    return path.join(this.dir, KEY_FILE);
  }

  /** Re-wraps the same database key under a new passphrase; no data is rewritten. */
  changePassphrase(oldPassphrase: string, newPassphrase: string): void {
    const file = readKeyFile(this.keyFilePath());
    unwrapWithPassphrase(file, oldPassphrase).dispose();
    writeKeyFile(this.keyFilePath(), { ...file, passphrase: wrapWithPassphrase(this.#key, newPassphrase, this.pwhash) });
  }

  /** Adds (or refreshes) the keychain wrap; refuses a keychain without a real backend. */
  enableKeychain(keychain: Keychain): void {
    const file = readKeyFile(this.keyFilePath());
    writeKeyFile(this.keyFilePath(), { ...file, keychain: wrapWithKeychain(this.#key, keychain) });
  }

  /**
   * Rotates the database key itself, crash-safely: write the new wraps to
   * parley.keys.next; reseal key material under the new subkey (recording
   * its id) in one transaction; rekey every page; rename the key file into
   * place. `open` finishes or abandons an interrupted run. Wraps this
   * session cannot recreate (a keychain it was not given) are dropped.
   */
  rekey(passphrase?: string, crashAfter?: 'next-file' | 'reseal' | 'pages'): void {
    const keys = this.keyFilePath();
    const file = readKeyFile(keys);
    if (file.passphrase) {
      if (passphrase === undefined) throw new StoreError('STORE_NO_UNLOCK_METHOD', 'Re-keying needs the passphrase.');
      unwrapWithPassphrase(file, passphrase).dispose();
    }
    const next = SecretKey.random();
    writeKeyFile(`${keys}.next`, {
      version: KEY_FILE_VERSION,
      ...(file.passphrase && passphrase !== undefined ? { passphrase: wrapWithPassphrase(next, passphrase, this.pwhash) } : {}),
      ...(file.keychain && this.keychain ? { keychain: wrapWithKeychain(next, this.keychain) } : {}),
    });
    if (crashAfter === 'next-file') return;
    const nextSeal = next.derive(1, SEAL_CONTEXT);
    const from = new Sealer(this.#sealKey);
    const to = new Sealer(nextSeal);
    this.db.transaction(() => {
      for (const s of SEALED) {
        const rows = this.db.prepare(`SELECT ${s.pk} AS pk, ${s.key} AS k, ${s.col} AS v FROM ${s.table} WHERE ${s.col} IS NOT NULL`).all() as { pk: unknown; k: string; v: Uint8Array }[];
        const upd = this.db.prepare(`UPDATE ${s.table} SET ${s.col} = ? WHERE ${s.pk} = ?`);
        for (const r of rows) upd.run(to.seal(s.table, r.k, from.open(s.table, r.k, r.v)), r.pk);
      }
      this.directory.setSetting(SEAL_ID_SETTING, sealKeyId(next));
      this.audit.record('store.rekeyed');
    })();
    if (crashAfter === 'reseal') return;
    rekeyDatabase(this.db, next);
    if (crashAfter === 'pages') return;
    fs.renameSync(`${keys}.next`, keys);
    this.#key.dispose();
    this.#sealKey.dispose();
    this.#key = next;
    this.#sealKey = nextSeal;
    this.#sealer.useKey(nextSeal);
  }

  /** Reads every page: a tampered page surfaces as STORE_CORRUPT. */
  verify(): void {
    verifyIntegrity(this.db);
  }

  /** Moves the WAL into the main file and truncates it, so deleted content leaves no copy in the WAL. */
  checkpoint(): void {
    this.db.pragma('main.wal_checkpoint(TRUNCATE)');
  }

  /** Copies what the WAL holds into the main file, without waiting for readers (idle upkeep: a checkpoint inside a burst's commits cost ≈ 20–30 µs per message). */
  checkpointIdle(): void {
    this.db.pragma('main.wal_checkpoint(PASSIVE)');
  }

  close(): void {
    if (!this.db.open) return;
    this.checkpoint();
    this.db.close();
    this.#key.dispose();
    this.#sealKey.dispose();
  }

  toJSON(): string {
    return '[LocalStore]';
  }
}
