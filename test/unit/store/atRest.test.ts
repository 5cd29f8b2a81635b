import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateIdentityKey } from '../../../src/main/protocol/keys';
import { LocalStore } from '../../../src/main/store/store';
import { SecretKey } from '../../../src/main/store/secretKey';
import { conv, dbFiles, filesContain, rawKeyStore, reopen } from '../../support/storeFixture';

const enc = (s: string) => new TextEncoder().encode(s);

describe('nothing readable at rest', () => {
  it('finds no canary in the database, WAL or journal, before and after deletion and checkpoint', async () => {
    const { store, dbPath } = await rawKeyStore();
    const body = 'CANARYBODYzq81 meet at the old mill';
    const name = 'CANARYNAMEqx42 Zebulon';
    const identity = generateIdentityKey();
    const priv = identity.serialize().slice(1, 33); // the Ed25519 seed: the private key's bytes
    const xPriv = identity.xPrivate.slice();
    store.directory.upsertContact({ accountId: 'acct-canary', displayName: name });
    store.protocol.setIdentityKeyPairSync(identity.serialize());
    store.messages.upsertConversation(conv('c1'));
    store.messages.insert({ id: 'm1', conversationId: 'c1', sender: 'acct-canary', direction: 'in', body, sentAt: 1, receivedAt: 2, state: 'delivered' });
    // Open state: data sits in the WAL (and possibly the main file).
    const files = dbFiles(dbPath);
    expect(files.some((f) => f.endsWith('-wal'))).toBe(true);
    for (const c of [enc(body), enc('canarybodyzq81'), enc(name), priv, xPriv, enc('acct-canary')]) expect(filesContain(files, c)).toBe(false);
    expect(store.messages.search('canarybodyzq81', 10)).toHaveLength(1);
    store.messages.delete('m1');
    store.directory.deleteContact('acct-canary');
    store.checkpoint();
    for (const c of [enc(body), enc(name), priv]) expect(filesContain(dbFiles(dbPath), c)).toBe(false);
    expect(store.messages.search('canarybodyzq81', 10)).toHaveLength(0);
    store.close();
    for (const c of [enc(body), enc(name), priv]) expect(filesContain(dbFiles(dbPath), c)).toBe(false);
  });

  it('would see the canary in a plain file (the check can fail)', async () => {
    const { default: Database } = await import('better-sqlite3-multiple-ciphers');
    const { dir } = await rawKeyStore();
    const p = `${dir}/plain.db`;
    const db = new Database(p);
    db.exec(`CREATE TABLE t (x TEXT); INSERT INTO t VALUES ('CANARYBODYzq81')`);
    db.close();
    expect(filesContain([p], enc('CANARYBODYzq81'))).toBe(true);
  });

  it('fails cleanly on a tampered page and on a wrong raw key', async () => {
    const { store, dbPath, key } = await rawKeyStore();
    store.messages.upsertConversation(conv('c1'));
    for (let i = 0; i < 200; i++) {
      store.messages.insert({ id: `m${i}`, conversationId: 'c1', sender: 's', direction: 'in', body: `hello ${i} `.repeat(20), sentAt: i, receivedAt: i, state: 'delivered' });
    }
    store.close();
    const wrong = key.slice();
    wrong[0] = wrong[0]! ^ 1;
    expect(() => LocalStore.fromKey(dbPath, new SecretKey(wrong))).toThrow(expect.objectContaining({ code: 'STORE_CORRUPT' }) as Error);
    const buf = fs.readFileSync(dbPath);
    const page = 4096;
    buf[page * 5 + 100] = buf[page * 5 + 100]! ^ 0xff;
    fs.writeFileSync(dbPath, buf);
    let code: string | undefined;
    try {
      const s = reopen(dbPath, key);
      try {
        s.verify();
      } finally {
        s.close();
      }
    } catch (e) {
      code = (e as { code?: string }).code;
    }
    expect(code).toBe('STORE_CORRUPT');
  });
});
