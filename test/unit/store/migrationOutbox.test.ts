import path from 'node:path';
import sodium from 'libsodium-wrappers-sumo';
import { describe, expect, it } from 'vitest';
import { openEncryptedDatabase } from '../../../src/main/store/database';
import { migrate, schemaVersion } from '../../../src/main/store/schema';
import { SecretKey } from '../../../src/main/store/secretKey';
import { STORE_SCHEMA_VERSION } from '../../../src/shared/constants';
import { reopen, tempDir } from '../../support/storeFixture';

/** A v18 store file with outbox rows for three devices, the newest entry already confirmed (deleted). */
async function seededV18(): Promise<{ dbPath: string; key: Uint8Array }> {
  await sodium.ready;
  const key = sodium.randombytes_buf(32);
  const dbPath = path.join(tempDir(), 'parley.db');
  const db = openEncryptedDatabase(dbPath, new SecretKey(key.slice()));
  migrate(db, 18);
  const ins = db.prepare('INSERT INTO outbox (message_id, recipient, payload, created_at, attempts) VALUES (?, ?, ?, ?, ?)');
  ins.run('m1', 'annAccount.1', new Uint8Array([1]), 10, 0);
  ins.run('m1', 'annAccount.2', new Uint8Array([2]), 10, 2);
  ins.run(null, 'benAccount.1', new Uint8Array([3]), 11, 0);
  ins.run('m2', 'annAccount.1', new Uint8Array([4]), 12, 1);
  ins.run('m3', 'benAccount.1', new Uint8Array([5]), 13, 0);
  db.prepare('DELETE FROM outbox WHERE id = 5').run();
  db.close();
  return { dbPath, key };
}

describe('migration 19: the outbox names recipients by an integer key', () => {
  it('keeps seeded v18 outbox entries with their ids, recipients, payloads and attempts, in order', async () => {
    const { dbPath, key } = await seededV18();
    const store = reopen(dbPath, key);
    expect(schemaVersion(store.db)).toBe(STORE_SCHEMA_VERSION);
    expect(store.delivery.outbox().map((e) => [e.id, e.messageId, e.recipient, [...e.payload], e.attempts])).toEqual([
      [1, 'm1', 'annAccount.1', [1], 0],
      [2, 'm1', 'annAccount.2', [2], 2],
      [3, null, 'benAccount.1', [3], 0],
      [4, 'm2', 'annAccount.1', [4], 1],
    ]);
    expect(store.delivery.outbox(10, 2).map((e) => e.id)).toEqual([3, 4]);
    expect(store.delivery.outboxFor('annAccount.1')).toEqual([1, 4]);
    expect(store.delivery.outboxFor('nobody.1')).toEqual([]);
    expect(store.db.prepare('SELECT typeof(recipient) FROM outbox GROUP BY 1').pluck().all()).toEqual(['integer']);
    expect(store.db.prepare(`SELECT name FROM sqlite_master WHERE name LIKE 'outbox%'`).pluck().all()).toEqual(['outbox']);
    store.close();
  });

  it('never reuses the id of an entry confirmed before the upgrade, so a late confirmation removes nothing newer', async () => {
    const { dbPath, key } = await seededV18();
    const store = reopen(dbPath, key);
    const [id] = store.delivery.commitSend({ messageId: 'm4', outbox: [{ recipient: 'carolAccount.1', payload: new Uint8Array([6]) }] });
    expect(id).toBe(6);
    store.delivery.confirmSent([5]);
    expect(store.delivery.outbox().map((e) => e.id)).toEqual([1, 2, 3, 4, 6]);
    expect(store.delivery.outbox().at(-1)!.recipient).toBe('carolAccount.1');
    store.close();
  });

  it('drops a revoked device’s entries and its address, and a later entry to it gets a fresh key', async () => {
    const { dbPath, key } = await seededV18();
    const store = reopen(dbPath, key);
    const keyOf = (a: string) => store.db.prepare('SELECT id FROM addresses WHERE address = ?').pluck().get(a) as number | undefined;
    const before = keyOf('annAccount.1');
    expect(store.delivery.dropRecipient('annAccount.1')).toBe(2);
    expect(keyOf('annAccount.1')).toBeUndefined();
    expect(store.delivery.outbox().map((e) => e.recipient)).toEqual(['annAccount.2', 'benAccount.1']);
    expect(store.delivery.dropRecipient('annAccount.1')).toBe(0);
    store.delivery.commitSend({ messageId: 'm5', outbox: [{ recipient: 'annAccount.1', payload: new Uint8Array([7]) }, { recipient: 'benAccount.1', payload: new Uint8Array([8]) }] });
    expect(keyOf('annAccount.1')).not.toBe(before);
    expect(store.delivery.outbox().map((e) => [e.recipient, [...e.payload]]).slice(-2)).toEqual([['annAccount.1', [7]], ['benAccount.1', [8]]]);
    expect(store.db.prepare('SELECT count(*) FROM addresses').pluck().get()).toBe(3);
    store.close();
  });

  it('upgrades a v18 file whose outbox is empty and keeps its id high-water mark', async () => {
    await sodium.ready;
    const key = sodium.randombytes_buf(32);
    const dbPath = path.join(tempDir(), 'parley.db');
    const db = openEncryptedDatabase(dbPath, new SecretKey(key.slice()));
    migrate(db, 18);
    db.prepare(`INSERT INTO outbox (recipient, payload, created_at) VALUES ('a.1', x'00', 1)`).run();
    db.prepare('DELETE FROM outbox').run();
    db.close();
    const store = reopen(dbPath, key);
    expect(store.delivery.outbox()).toEqual([]);
    expect(store.delivery.commitSend({ messageId: 'm', outbox: [{ recipient: 'a.1', payload: new Uint8Array([1]) }] })).toEqual([2]);
    store.close();
  });

  it('fits two prekey-message envelopes (1,921 bytes) to one 87-byte recipient on one page', async () => {
    const { dbPath, key } = await seededV18();
    const store = reopen(dbPath, key);
    const recipient = `${'A'.repeat(85)}.1`;
    for (let i = 0; i < 40; i++) {
      store.delivery.commitSend({ messageId: `AZmN0aWxsc29tZXRoaW${String(i).padStart(2, '0')}`, outbox: [{ recipient, payload: new Uint8Array(1_921).fill(i) }] });
    }
    const leaves = store.db.prepare(`SELECT count(*) FROM dbstat WHERE name = 'outbox' AND pagetype = 'leaf'`).pluck().get() as number;
    expect(leaves).toBeLessThanOrEqual(21);
    store.close();
  });
});
