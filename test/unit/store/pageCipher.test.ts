import fs from 'node:fs';
import Database from 'better-sqlite3-multiple-ciphers';
import { describe, expect, it } from 'vitest';
import { rekeyDatabase } from '../../../src/main/store/database';
import { LocalStore } from '../../../src/main/store/store';
import { SecretKey } from '../../../src/main/store/secretKey';
import type { NewMessage } from '../../../src/main/store/messages';
import { LEGACY_CIPHERS, rawOpen, schemeOfFile, toLegacyCipher } from '../../support/legacyCipher';
import { PAGE_CIPHERS, schemeOrder } from '../../../src/main/store/pageCipher';
import { conv, dbFiles, filesContain, rawKeyStore, reopen } from '../../support/storeFixture';

const enc = (s: string) => new TextEncoder().encode(s);
const CANARY = 'CANARYCIPHERqj27 the boat leaves at dawn';

/** A closed store with a contact, a session and `n` messages (one carrying the canary). */
async function seeded(n = 300) {
  const made = await rawKeyStore();
  const { store } = made;
  store.directory.upsertContact({ accountId: 'acct-c', displayName: 'Cora' });
  store.protocol.storeSessionSync({ accountId: 'acct-c', deviceId: 'd1' }, new Uint8Array([1, 2, 3]));
  store.messages.upsertConversation(conv('c1'));
  const ms: NewMessage[] = [];
  for (let i = 0; i < n; i++) ms.push({ id: `m${i}`, conversationId: 'c1', sender: 'acct-c', direction: 'in', body: i === 7 ? CANARY : `text ${i} `.repeat(8), sentAt: i, receivedAt: i, state: 'delivered' });
  store.messages.insertMany(ms);
  store.close();
  return made;
}

const contents = (s: LocalStore) => ({
  messages: s.messages.page('c1', 500).map((m) => [m.id, m.body]),
  contact: s.directory.contacts().find((c) => c.accountId === 'acct-c')?.displayName,
  session: s.protocol.loadSessionSync({ accountId: 'acct-c', deviceId: 'd1' }),
});

const kinds = (s: LocalStore) => s.audit.list(100).map((e) => [e.kind, e.detail] as const);

describe('page cipher', () => {
  it('makes new stores in the AEGIS scheme, which no legacy scheme opens', async () => {
    const { dbPath, key } = await seeded(10);
    expect(schemeOfFile(dbPath, key)).toBe('aegis');
    for (const legacy of LEGACY_CIPHERS) expect(() => rawOpen(dbPath, key, legacy)).toThrow(expect.objectContaining({ code: 'SQLITE_NOTADB' }) as Error);
  });

  it('keys AEGIS-256 alone with its own page subkey: another variant or the chacha20 subkey reads nothing', async () => {
    const { dbPath, key } = await seeded(5);
    const probe = (algorithm: string, id: number) => {
      const db = new Database(dbPath);
      const sub = new SecretKey(key.slice()).derive(id, 'parleypg');
      try {
        db.pragma(`cipher = 'aegis'`);
        db.pragma(`algorithm = '${algorithm}'`);
        db.pragma(`key = ${sub.pragmaLiteral()}`);
        return db.prepare('SELECT count(*) FROM messages').pluck().get();
      } catch (e) {
        return (e as { code?: string }).code;
      } finally {
        sub.dispose();
        db.close();
      }
    };
    expect(probe('aegis-256', 2)).toBe(5);
    expect(probe('aegis-128l', 2)).toBe('SQLITE_NOTADB');
    expect(probe('aegis-256x2', 2)).toBe('SQLITE_NOTADB');
    expect(probe('aegis-256', 1)).toBe('SQLITE_NOTADB');
  });

  it.each(LEGACY_CIPHERS)('moves a %s store to AEGIS on open, keeps every row, and audits the move', async (legacy) => {
    const { dbPath, key } = await seeded();
    const first = reopen(dbPath, key);
    const before = contents(first);
    first.close();
    toLegacyCipher(dbPath, key, legacy);
    expect(schemeOfFile(dbPath, key)).toBe(legacy);
    const s = reopen(dbPath, key);
    expect(contents(s)).toEqual(before);
    const moved = kinds(s).find(([k]) => k === 'store.cipher_moved');
    expect(moved?.[1]).toMatchObject({ cipher: 'aegis', previousCipher: legacy });
    s.messages.insert({ id: 'after', conversationId: 'c1', sender: 'me', direction: 'out', body: 'written after the move', sentAt: 1e6, receivedAt: 1e6, state: 'sent' });
    s.close();
    expect(schemeOfFile(dbPath, key)).toBe('aegis');
    const t = reopen(dbPath, key);
    expect(t.messages.page('c1', 1)[0]?.body).toBe('written after the move');
    expect(kinds(t).filter(([k]) => k === 'store.cipher_moved')).toHaveLength(1);
    t.close();
  });

  it('moves a chacha20 store whose marker was lost, trying each scheme', async () => {
    const { dbPath, key } = await seeded(30);
    toLegacyCipher(dbPath, key, 'chacha20');
    fs.rmSync(`${dbPath}-cipher`);
    const s = reopen(dbPath, key);
    expect(s.messages.page('c1', 500)).toHaveLength(30);
    expect(kinds(s).find(([k]) => k === 'store.cipher_moved')?.[1]).toMatchObject({ cipher: 'aegis', previousCipher: 'chacha20' });
    s.close();
    expect(fs.readFileSync(`${dbPath}-cipher`, 'utf8').trim()).toBe('aegis');
  });

  it('opens a moved file beside the zeroed journal and old marker a move killed just after its rename leaves', async () => {
    const { dbPath, key } = await seeded(30);
    // What a kill between the rename and the marker leaves: the new file, the legacy marker, and the old connection's
    // journal, which exclusive locking mode zeroes at commit instead of deleting (not hot: SQLite replays nothing).
    fs.writeFileSync(`${dbPath}-cipher`, 'sqlcipher4\n');
    fs.writeFileSync(`${dbPath}-journal`, new Uint8Array(4616));
    expect(schemeOrder(dbPath)).toContain('aegis');
    const s = reopen(dbPath, key);
    expect(s.messages.page('c1', 500)).toHaveLength(30);
    s.close();
    expect(fs.readFileSync(`${dbPath}-cipher`, 'utf8').trim()).toBe('aegis');
    // A journal SQLite would replay (its header begins with the journal magic) still allows only the marked scheme.
    fs.writeFileSync(`${dbPath}-journal`, Uint8Array.from([0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7, ...new Uint8Array(504)]));
    expect(schemeOrder(dbPath)).toEqual(['aegis']);
    fs.rmSync(`${dbPath}-journal`);
  });

  it.each(LEGACY_CIPHERS)('leaves no readable canary in a file moved from %s, its WAL or a journal', async (legacy) => {
    const { dbPath, key } = await seeded();
    toLegacyCipher(dbPath, key, legacy);
    const s = reopen(dbPath, key);
    expect(s.messages.search('canarycipherqj27', 5)).toHaveLength(1);
    for (const c of [enc(CANARY), enc('Cora')]) expect(filesContain(dbFiles(dbPath), c)).toBe(false);
    s.close();
    for (const c of [enc(CANARY), enc('Cora')]) expect(filesContain(dbFiles(dbPath), c)).toBe(false);
  });

  it.each(LEGACY_CIPHERS)('keeps the %s scheme while another connection has the file open, says why, and moves it at the next open', async (legacy) => {
    const { dbPath, key } = await seeded();
    toLegacyCipher(dbPath, key, legacy);
    const other = rawOpen(dbPath, key, legacy); // the app, while a CLI command opens the same profile
    other.pragma('journal_mode = WAL');
    const s = reopen(dbPath, key);
    expect(kinds(s).find(([k]) => k === 'store.cipher_move_deferred')?.[1]).toMatchObject({ previousCipher: legacy, reason: 'in_use' });
    s.messages.insert({ id: 'cli', conversationId: 'c1', sender: 'me', direction: 'out', body: 'sent by the CLI', sentAt: 2e6, receivedAt: 2e6, state: 'sent' });
    expect(other.prepare('SELECT body FROM messages WHERE id = ?').pluck().get('cli')).toBe('sent by the CLI');
    s.close();
    other.close();
    expect(schemeOfFile(dbPath, key)).toBe(legacy);
    const t = reopen(dbPath, key);
    expect(t.messages.page('c1', 1)[0]?.body).toBe('sent by the CLI');
    expect(kinds(t).map(([k]) => k)).toContain('store.cipher_moved');
    t.close();
    expect(schemeOfFile(dbPath, key)).toBe('aegis');
  });

  it.each(PAGE_CIPHERS)('rotates the page key of a file in the %s scheme', async (scheme) => {
    const { dbPath, key } = await seeded(20);
    if (scheme !== 'aegis') toLegacyCipher(dbPath, key, scheme);
    const db = rawOpen(dbPath, key, scheme);
    const next = SecretKey.random();
    const nextBytes = next.bytes.slice();
    rekeyDatabase(db, next);
    db.close();
    expect(schemeOfFile(dbPath, nextBytes)).toBe(scheme);
    expect(schemeOfFile(dbPath, key)).toBeNull();
    const s = reopen(dbPath, nextBytes);
    expect(s.messages.page('c1', 500)).toHaveLength(20);
    s.close();
  });

  it.each(PAGE_CIPHERS)('refuses a wrong key in the %s scheme with STORE_CORRUPT and leaves the file as it was', async (scheme) => {
    const { dbPath, key } = await seeded(20);
    if (scheme !== 'aegis') toLegacyCipher(dbPath, key, scheme);
    const wrong = key.slice();
    wrong[3] = wrong[3]! ^ 1;
    expect(() => reopen(dbPath, wrong)).toThrow(expect.objectContaining({ code: 'STORE_CORRUPT' }) as Error);
    expect(schemeOfFile(dbPath, key)).toBe(scheme);
  });

  it('gives STORE_BUSY, not STORE_CORRUPT, while another process holds the file locked', async () => {
    const { dbPath, key } = await seeded(20);
    toLegacyCipher(dbPath, key);
    const mover = rawOpen(dbPath, key, 'sqlcipher4', { timeout: 0, exclusive: true }); // as a move in another process does
    expect(() => reopen(dbPath, key)).toThrow(expect.objectContaining({ code: 'STORE_BUSY' }) as Error);
    mover.close();
    const s = reopen(dbPath, key);
    expect(s.messages.page('c1', 500)).toHaveLength(20);
    s.close();
  });
});
