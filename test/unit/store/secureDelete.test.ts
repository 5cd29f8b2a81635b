/**
 * What deletion leaves in the file: the words of a message are zeroed
 * wherever they were, while the outbox's confirming delete leaves its freed
 * pages as they were (withFastSecureDelete: they hold only sealed envelopes
 * the relay already has). secure_delete is SQLite's own page handling, the
 * same under the page cipher, so the store's schema and repositories run
 * here on a plain file that the test can read page by page (re-keying an
 * encrypted copy to no key vacuums it, which drops the free pages).
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import sodium from 'libsodium-wrappers-sumo';
import { describe, expect, it } from 'vitest';
import { applySessionPragmas, withFastSecureDelete, type SqliteDatabase } from '../../../src/main/store/database';
import { Delivery } from '../../../src/main/store/delivery';
import { MessageRepo } from '../../../src/main/store/messages';
import { SqliteProtocolStores } from '../../../src/main/store/protocolStores';
import { migrate } from '../../../src/main/store/schema';
import { Sealer } from '../../../src/main/store/seal';
import { SecretKey } from '../../../src/main/store/secretKey';
import { conv, tempDir } from '../../support/storeFixture';

const WORDS = 'zebracrossing';
const SEALED = 'sealedenvelope';

async function plainStore(): Promise<{ db: SqliteDatabase; file: string; messages: MessageRepo; delivery: Delivery }> {
  await sodium.ready;
  const file = path.join(tempDir(), 'plain.db');
  const db = new Database(file);
  applySessionPragmas(db);
  migrate(db);
  const messages = new MessageRepo(db);
  const protocol = new SqliteProtocolStores(db, new Sealer(new SecretKey(sodium.randombytes_buf(32))));
  return { db, file, messages, delivery: new Delivery(db, protocol, messages) };
}

describe('secure deletion', () => {
  it('zeroes a long message once sent and deleted, while the confirmed outbox leaves only its sealed bytes on free pages', async () => {
    const { db, file, messages, delivery } = await plainStore();
    messages.upsertConversation(conv('c1'));
    // Long enough for overflow pages: marking it sent rewrites the row and frees the old chain, which must be zeroed.
    const body = `${WORDS} `.repeat(800);
    const payload = new TextEncoder().encode(SEALED.repeat(600));
    const ids = delivery.commitSend({
      message: { id: 'o1', conversationId: 'c1', sender: 'me', direction: 'out', body, sentAt: 1, receivedAt: 1, state: 'queued' },
      outbox: Array.from({ length: 10 }, (_, i) => ({ recipient: `peer.d${i}`, payload })),
    });
    expect(delivery.confirmSent(ids)).toEqual(new Map([['c1', ['o1']]]));
    expect(messages.get('o1')?.state).toBe('sent');
    expect(db.pragma('secure_delete', { simple: true })).toBe(1);
    expect(messages.delete('o1')).toBe(true);
    expect(db.pragma('freelist_count', { simple: true })).toBeGreaterThan(10);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const bytes = fs.readFileSync(file);
    expect(bytes.includes(Buffer.from(WORDS))).toBe(false);
    expect(bytes.includes(Buffer.from(SEALED))).toBe(true); // a freed outbox page, left as it was
  });

  it('puts secure_delete back ON when the delete it wraps throws', async () => {
    const { db } = await plainStore();
    expect(() => withFastSecureDelete(db, () => db.prepare('DELETE FROM no_such_table').run())).toThrow();
    expect(db.pragma('secure_delete', { simple: true })).toBe(1);
    db.close();
  });
});
