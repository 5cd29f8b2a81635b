import path from 'node:path';
import sodium from 'libsodium-wrappers-sumo';
import { describe, expect, it } from 'vitest';
import { openEncryptedDatabase } from '../../../src/main/store/database';
import { migrate, schemaVersion } from '../../../src/main/store/schema';
import { SecretKey } from '../../../src/main/store/secretKey';
import { CONTENT_PAD_BLOCK, STORE_SCHEMA_VERSION } from '../../../src/shared/constants';
import { encodeContent } from '../../../src/shared/wire/content';
import { reopen, tempDir } from '../../support/storeFixture';

const digest = (i: number) => new Uint8Array(32).fill(i);
/** Content padded as encodeContent pads it: trailing zeros that the v21 log strips. */
const padded = (...bytes: number[]) => {
  const out = new Uint8Array(CONTENT_PAD_BLOCK);
  out.set([...bytes, 0x80]);
  return out;
};

/** A v20 store file with resend-log rows for two devices and an account's placeholder, and an outbox entry to one of the devices. */
async function seededV20(): Promise<{ dbPath: string; key: Uint8Array }> {
  await sodium.ready;
  const key = sodium.randombytes_buf(32);
  const dbPath = path.join(tempDir(), 'parley.db');
  const db = openEncryptedDatabase(dbPath, new SecretKey(key.slice()));
  migrate(db, 20);
  const ins = db.prepare('INSERT INTO resend_log (recipient, digest, content, message_id, created_at, resent) VALUES (?, ?, ?, ?, ?, ?)');
  ins.run('ann.1', digest(1), padded(1), 'm1', 10, 0);
  ins.run('ann.2', digest(2), padded(2), 'm1', 10, 1);
  ins.run('ann.', null, padded(3), 'm2', 20, 0);
  ins.run('ann.1', null, padded(4), 'm3', 30, 0);
  ins.run('ben.1', digest(5), padded(5), null, 40, 0);
  ins.run('ben.1', digest(6), padded(6), 'm4', 50, 0);
  db.prepare('DELETE FROM resend_log WHERE id = 5').run();
  db.prepare(`INSERT INTO addresses (address) VALUES ('ann.1')`).run();
  db.prepare(`INSERT INTO outbox (message_id, recipient, payload, created_at) VALUES ('m3', 1, x'07', 30)`).run();
  db.close();
  return { dbPath, key };
}

describe('migration 21: the resend log names recipients by an integer key and stores content without its padding', () => {
  it('keeps seeded v20 entries with their ids, recipients, bytes, digests and order', async () => {
    const { dbPath, key } = await seededV20();
    const store = reopen(dbPath, key);
    expect(schemaVersion(store.db)).toBe(STORE_SCHEMA_VERSION);
    const r = store.repairs;
    expect(r.findSent('ann.2', digest(2))).toMatchObject({ id: 2, recipient: 'ann.2', messageId: 'm1', resent: 1, createdAt: 10, content: padded(2) });
    expect(r.findSent('ann.1', digest(2))).toBeNull();
    expect(r.unsentRecipients()).toEqual(['ann.', 'ann.1']);
    expect(r.unsentFor('ann.1', 10).map((e) => [e.id, e.content])).toEqual([[4, padded(4)]]);
    expect(r.unsent(10).map((e) => [e.id, e.recipient])).toEqual([[3, 'ann.'], [4, 'ann.1']]);
    expect(r.waitsFor('ann.', 'm2')).toBe(true);
    expect(r.recentForAccount('ann', 0, 10).map((e) => e.id)).toEqual([1, 3, 4]);
    expect(r.sentContents('m1')).toEqual([padded(2), padded(1)]);
    expect(r.loggedFor('ben.1', 0, 10).map((e) => [e.id, e.messageId])).toEqual([[6, 'm4']]);
    // The outbox's key for ann.1 is the log's too: one address row per device.
    expect(store.db.prepare('SELECT address FROM addresses ORDER BY id').pluck().all()).toEqual(['ann.1', 'ann.', 'ann.2', 'ben.1']);
    expect(store.db.prepare('SELECT typeof(recipient) FROM resend_log GROUP BY 1').pluck().all()).toEqual(['integer']);
    expect(store.db.prepare(`SELECT name FROM sqlite_master WHERE tbl_name LIKE 'resend_log%' ORDER BY name`).pluck().all())
      .toEqual(['resend_log', 'resend_log_created', 'resend_log_recipient', 'resend_log_unsent']);
    store.close();
  });

  it('logs new content without its zero padding and reads back the bytes it was given', async () => {
    const { dbPath, key } = await seededV20();
    const store = reopen(dbPath, key);
    const text = encodeContent({ v: 1, type: 'text', id: 'AAAAAAAAAAAAAAAAAAAAAA', text: 'hello there', sentAt: 1, replyTo: null, expireSeconds: null, attachment: null });
    const odd = new Uint8Array([9, 0, 9, 0, 0]); // any bytes come back as they were
    store.repairs.logSent([{ recipient: 'cy.1', digest: digest(9), content: text, messageId: 'm9' }, { recipient: 'cy.1', digest: digest(10), content: odd, messageId: null }]);
    const stored = store.db.prepare('SELECT length(content) + pad AS whole, length(content) AS kept FROM resend_log WHERE id > 6 ORDER BY id').all() as { whole: number; kept: number }[];
    expect(stored.map((s) => s.whole)).toEqual([text.length, 5]);
    expect(stored[0]!.kept).toBeLessThan(text.length);
    expect(stored[1]!.kept).toBe(3);
    expect(store.repairs.findSent('cy.1', digest(9))!.content).toEqual(text);
    expect(store.repairs.findSent('cy.1', digest(10))!.content).toEqual(odd);
    store.close();
  });

  it('keeps a device’s address while the log names it after its outbox entries are dropped, and forgets it with its last entry', async () => {
    const { dbPath, key } = await seededV20();
    const store = reopen(dbPath, key);
    const known = () => store.db.prepare(`SELECT count(*) FROM addresses WHERE address = 'ann.1'`).pluck().get();
    expect(store.delivery.dropRecipient('ann.1')).toBe(1);
    expect(known()).toBe(1);
    expect(store.repairs.takeRecipient('ann.1').map((e) => e.id)).toEqual([1, 4]);
    expect(known()).toBe(0);
    store.repairs.logSent([{ recipient: 'ann.1', digest: null, content: padded(8), messageId: 'm8' }]);
    expect(store.repairs.unsentFor('ann.1', 10).map((e) => e.content)).toEqual([padded(8)]);
    store.close();
  });

  it('answers a retry request and a recipient’s entries from the recipient index in the log’s order', async () => {
    const { dbPath, key } = await seededV20();
    const store = reopen(dbPath, key);
    const plan = (sql: string, ...args: unknown[]) => store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args).map((x) => (x as { detail: string }).detail).join(' | ');
    expect(plan('SELECT id FROM resend_log WHERE recipient = 1 AND digest = ?', digest(2))).toContain('USING COVERING INDEX resend_log_recipient');
    expect(plan('SELECT content FROM resend_log WHERE recipient = 1 ORDER BY id')).not.toContain('TEMP B-TREE');
    store.close();
  });
});
