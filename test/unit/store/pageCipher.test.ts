import { describe, expect, it } from 'vitest';
import { rekeyDatabase } from '../../../src/main/store/database';
import { LocalStore } from '../../../src/main/store/store';
import { SecretKey } from '../../../src/main/store/secretKey';
import type { NewMessage } from '../../../src/main/store/messages';
import { rawOpen, schemeOfFile, toLegacyCipher } from '../../support/legacyCipher';
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
  it('makes new stores in the chacha20 scheme, which the legacy scheme does not open', async () => {
    const { dbPath, key } = await seeded(10);
    expect(schemeOfFile(dbPath, key)).toBe('chacha20');
    expect(() => rawOpen(dbPath, key, 'sqlcipher4')).toThrow(expect.objectContaining({ code: 'SQLITE_NOTADB' }) as Error);
  });

  it('moves a legacy store to chacha20 on open, keeps every row, and audits the move', async () => {
    const { dbPath, key } = await seeded();
    const first = reopen(dbPath, key);
    const before = contents(first);
    first.close();
    toLegacyCipher(dbPath, key);
    expect(schemeOfFile(dbPath, key)).toBe('sqlcipher4');
    const s = reopen(dbPath, key);
    expect(contents(s)).toEqual(before);
    const moved = kinds(s).find(([k]) => k === 'store.cipher_moved');
    expect(moved?.[1]).toMatchObject({ cipher: 'chacha20', previousCipher: 'sqlcipher4' });
    s.messages.insert({ id: 'after', conversationId: 'c1', sender: 'me', direction: 'out', body: 'written after the move', sentAt: 1e6, receivedAt: 1e6, state: 'sent' });
    s.close();
    expect(schemeOfFile(dbPath, key)).toBe('chacha20');
    const t = reopen(dbPath, key);
    expect(t.messages.page('c1', 1)[0]?.body).toBe('written after the move');
    expect(kinds(t).filter(([k]) => k === 'store.cipher_moved')).toHaveLength(1);
    t.close();
  });

  it('leaves no readable canary in the moved file, its WAL or a journal', async () => {
    const { dbPath, key } = await seeded();
    toLegacyCipher(dbPath, key);
    const s = reopen(dbPath, key);
    expect(s.messages.search('canarycipherqj27', 5)).toHaveLength(1);
    for (const c of [enc(CANARY), enc('Cora')]) expect(filesContain(dbFiles(dbPath), c)).toBe(false);
    s.close();
    for (const c of [enc(CANARY), enc('Cora')]) expect(filesContain(dbFiles(dbPath), c)).toBe(false);
  });

  it('keeps the legacy scheme while another connection has the file open, says why, and moves it at the next open', async () => {
    const { dbPath, key } = await seeded();
    toLegacyCipher(dbPath, key);
    const other = rawOpen(dbPath, key, 'sqlcipher4'); // the app, while a CLI command opens the same profile
    other.pragma('journal_mode = WAL');
    const s = reopen(dbPath, key);
    expect(kinds(s).find(([k]) => k === 'store.cipher_move_deferred')?.[1]).toMatchObject({ previousCipher: 'sqlcipher4', reason: 'in_use' });
    s.messages.insert({ id: 'cli', conversationId: 'c1', sender: 'me', direction: 'out', body: 'sent by the CLI', sentAt: 2e6, receivedAt: 2e6, state: 'sent' });
    expect(other.prepare('SELECT body FROM messages WHERE id = ?').pluck().get('cli')).toBe('sent by the CLI');
    s.close();
    other.close();
    expect(schemeOfFile(dbPath, key)).toBe('sqlcipher4');
    const t = reopen(dbPath, key);
    expect(t.messages.page('c1', 1)[0]?.body).toBe('sent by the CLI');
    expect(kinds(t).map(([k]) => k)).toContain('store.cipher_moved');
    t.close();
    expect(schemeOfFile(dbPath, key)).toBe('chacha20');
  });

  it('rotates the page key of a file in either scheme', async () => {
    for (const legacy of [false, true]) {
      const { dbPath, key } = await seeded(20);
      if (legacy) toLegacyCipher(dbPath, key);
      const db = rawOpen(dbPath, key, legacy ? 'sqlcipher4' : 'chacha20');
      const next = SecretKey.random();
      const nextBytes = next.bytes.slice();
      rekeyDatabase(db, next);
      db.close();
      expect(schemeOfFile(dbPath, nextBytes)).toBe(legacy ? 'sqlcipher4' : 'chacha20');
      expect(schemeOfFile(dbPath, key)).toBeNull();
      const s = reopen(dbPath, nextBytes);
      expect(s.messages.page('c1', 500)).toHaveLength(20);
      s.close();
    }
  });

  it('refuses a wrong key in either scheme with STORE_CORRUPT and leaves the file as it was', async () => {
    for (const legacy of [false, true]) {
      const { dbPath, key } = await seeded(20);
      if (legacy) toLegacyCipher(dbPath, key);
      const wrong = key.slice();
      wrong[3] = wrong[3]! ^ 1;
      expect(() => reopen(dbPath, wrong)).toThrow(expect.objectContaining({ code: 'STORE_CORRUPT' }) as Error);
      expect(schemeOfFile(dbPath, key)).toBe(legacy ? 'sqlcipher4' : 'chacha20');
    }
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
