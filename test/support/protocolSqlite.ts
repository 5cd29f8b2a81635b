/**
 * A minimal SQLite harness for the engine's write-free API, as the app uses
 * it: each received message is decrypted without writes, then the plaintext,
 * the new session record and the consumed prekeys are committed in ONE
 * synchronous better-sqlite3 transaction. Used by the protocol tests and the
 * benchmark's SQLite row until the real store (src/main/store) lands.
 */
import Database from 'better-sqlite3-multiple-ciphers';
import { addressKey, type ProtocolAddress } from '../../src/main/protocol/address';
import type { IdentityKeyPair } from '../../src/main/protocol/keys';
import { decryptMessage, deviceIdentity, encryptMessage, requiredPreKeys } from '../../src/main/protocol/session';

export class SqliteDevice {
  readonly db: Database.Database;
  readonly #loadSession: Database.Statement<[string], { record: Buffer }>;
  readonly #saveSession: Database.Statement<[string, Uint8Array]>;
  readonly #loadPreKey: Database.Statement<[string, number], { record: Buffer }>;
  readonly #deletePreKey: Database.Statement<[string, number]>;
  readonly #insertMessage: Database.Statement<[string, string, Uint8Array]>;

  constructor(file: string, readonly identity: IdentityKeyPair) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS sessions (address TEXT PRIMARY KEY, record BLOB NOT NULL) STRICT;
      CREATE TABLE IF NOT EXISTS prekeys (kind TEXT NOT NULL, id INTEGER NOT NULL, record BLOB NOT NULL, PRIMARY KEY (kind, id)) STRICT;
      CREATE TABLE IF NOT EXISTS messages (id TEXT PRIMARY KEY, sender TEXT NOT NULL, body BLOB NOT NULL) STRICT;`);
    this.#loadSession = this.db.prepare('SELECT record FROM sessions WHERE address = ?');
    this.#saveSession = this.db.prepare('INSERT INTO sessions (address, record) VALUES (?, ?) ON CONFLICT (address) DO UPDATE SET record = excluded.record');
    this.#loadPreKey = this.db.prepare('SELECT record FROM prekeys WHERE kind = ? AND id = ?');
    this.#deletePreKey = this.db.prepare('DELETE FROM prekeys WHERE kind = ? AND id = ?');
    this.#insertMessage = this.db.prepare('INSERT INTO messages (id, sender, body) VALUES (?, ?, ?)');
  }

  storePreKey(kind: 'signed' | 'oneTime' | 'kem', id: number, record: Uint8Array): void {
    this.db.prepare('INSERT INTO prekeys (kind, id, record) VALUES (?, ?, ?)').run(kind, id, record);
  }

  countPreKeys(kind: string): number {
    return (this.db.prepare('SELECT count(*) AS n FROM prekeys WHERE kind = ?').get(kind) as { n: number }).n;
  }

  session(peer: ProtocolAddress): Uint8Array | null {
    const row = this.#loadSession.get(addressKey(peer));
    return row ? new Uint8Array(row.record) : null;
  }

  setSession(peer: ProtocolAddress, record: Uint8Array): void {
    this.#saveSession.run(addressKey(peer), record);
  }

  /** Encrypts and stores the advanced record in one transaction. */
  readonly send = (peer: ProtocolAddress, plaintext: Uint8Array): Uint8Array =>
    this.db.transaction(() => {
      const out = encryptMessage(this.session(peer), plaintext);
      this.setSession(peer, out.record);
      return out.ciphertext;
    })();

  /**
   * Decrypts and commits plaintext (as message `messageId`), session record
   * and prekey deletions in one transaction; any throw rolls all of it back.
   */
  readonly receive = (peer: ProtocolAddress, messageId: string, message: Uint8Array): Uint8Array =>
    this.db.transaction(() => {
      const need = requiredPreKeys(message);
      const pre = (kind: string, id: number | null): Uint8Array | null => {
        const row = id === null ? undefined : this.#loadPreKey.get(kind, id);
        return row ? new Uint8Array(row.record) : null;
      };
      const out = decryptMessage({
        record: this.session(peer),
        identity: this.identity,
        remoteIdentity: deviceIdentity(peer.deviceId),
        message,
        preKeys: need ? { signedPreKey: pre('signed', need.signedPreKeyId), oneTimePreKey: pre('oneTime', need.oneTimePreKeyId), kemPreKey: pre('kem', need.kemPreKeyId) } : undefined,
      });
      this.setSession(peer, out.record);
      if (out.consumed.oneTimePreKeyId !== null) this.#deletePreKey.run('oneTime', out.consumed.oneTimePreKeyId);
      // This harness publishes only a last-resort KEM key, which stays; the app deletes one-time KEM keys here too.
      this.#insertMessage.run(messageId, addressKey(peer), out.plaintext);
      return out.plaintext;
    })();

  close(): void {
    this.db.close();
  }
}
