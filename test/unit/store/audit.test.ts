/** The audit log repository on real encrypted store files: order, paging, the ring bound, validation and counts. */
import { describe, expect, it } from 'vitest';
import { AUDIT_DETAIL_MAX_STRING_CHARS, AUDIT_LOG_MAX_ROWS } from '../../../src/shared/constants';
import type { AuditDetail } from '../../../src/shared/audit';
import { LocalStore } from '../../../src/main/store/store';
import { currentChangeSeq } from '../../../src/main/snapshot/changes';
import { dbFiles, FAST_PWHASH, filesContain, rawKeyStore, tempDir } from '../../support/storeFixture';

const peer = 'A'.repeat(43);
const dev1 = `${peer}.${'b'.repeat(43)}`;
const dev2 = `${peer}.${'c'.repeat(43)}`;

describe('the audit log', () => {
  it('lists events newest first with their time and detail, and pages with before', async () => {
    const { store } = await rawKeyStore();
    store.audit.record('identity.created', { deviceId: 'd1', origin: 'create' });
    store.audit.record('decrypt.failed', { address: dev1, reason: 'PROTOCOL_MISSING_PREKEY' });
    store.audit.record('store.rekeyed');
    const all = store.audit.list(10);
    expect(all.map((e) => e.kind)).toEqual(['store.rekeyed', 'decrypt.failed', 'identity.created']);
    expect(all[1]!.detail).toEqual({ address: dev1, reason: 'PROTOCOL_MISSING_PREKEY' });
    expect(all[2]!.at).toBeGreaterThan(Date.now() - 60_000);
    const page = store.audit.list(2);
    expect(store.audit.list(2, page.at(-1)!.id).map((e) => e.kind)).toEqual(['identity.created']);
    expect(() => store.audit.list(0)).toThrow(expect.objectContaining({ code: 'STORE_BAD_INPUT' }) as Error);
    store.close();
  });

  it('keeps at most AUDIT_LOG_MAX_ROWS rows as a ring, dropping the oldest first', async () => {
    const { store } = await rawKeyStore();
    store.db.transaction(() => {
      for (let i = 0; i < AUDIT_LOG_MAX_ROWS + 25; i++) store.audit.record('prekeys.replenished', { count: i });
    })();
    expect(store.audit.size()).toBe(AUDIT_LOG_MAX_ROWS);
    const newest = store.audit.list(1)[0]!;
    expect(newest.detail).toEqual({ count: AUDIT_LOG_MAX_ROWS + 24 });
    const oldest = store.audit.list(AUDIT_LOG_MAX_ROWS).at(-1)!;
    expect(oldest.detail).toEqual({ count: 25 });
    expect(store.audit.list(1, oldest.id)).toEqual([]);
    store.close();
  });

  it('refuses a detail that could carry content (unknown key, nested value, long or free text) and writes nothing', async () => {
    const { store } = await rawKeyStore();
    const bad: unknown[] = [
      { text: 'hello' },
      { body: 'x' },
      { reason: 'Meet me at noon by the lake' },
      { reason: 'x'.repeat(AUDIT_DETAIL_MAX_STRING_CHARS + 1) },
      { address: { nested: 'object' } },
      { count: [1, 2] },
      { count: Number.NaN },
      { reason: '' },
      { reason: '{"a":1}' },
      'just a string',
      [1, 2, 3],
      null,
    ];
    for (const detail of bad) {
      expect(() => store.audit.record('decrypt.failed', detail as AuditDetail), JSON.stringify(detail)).toThrow(expect.objectContaining({ code: 'STORE_BAD_INPUT' }) as Error);
    }
    expect(() => store.audit.record('message.read' as never)).toThrow(expect.objectContaining({ code: 'STORE_BAD_INPUT' }) as Error);
    expect(store.audit.size()).toBe(0);
    const extra = { reason: 'x'.repeat(AUDIT_DETAIL_MAX_STRING_CHARS), count: 3, automatic: true };
    expect(() => store.audit.record('decrypt.failed', extra as AuditDetail)).toThrow(expect.objectContaining({ code: 'STORE_BAD_INPUT' }) as Error);
    expect(store.audit.size()).toBe(0);
    store.audit.record('decrypt.failed', { reason: 'x'.repeat(AUDIT_DETAIL_MAX_STRING_CHARS), count: 3 });
    expect(store.audit.size()).toBe(1);
    store.close();
  });

  it('counts events per peer device and per contact account', async () => {
    const { store } = await rawKeyStore();
    store.audit.record('decrypt.failed', { address: dev1, reason: 'PROTOCOL_BAD_MAC' });
    store.audit.record('decrypt.failed', { address: dev1, reason: 'PROTOCOL_BAD_MAC' });
    store.audit.record('session.repaired', { address: dev1 });
    store.audit.record('decrypt.failed', { address: dev2, reason: 'PROTOCOL_BAD_MAC' });
    store.audit.record('safety_number.changed', { accountId: peer, newAccountId: 'Z'.repeat(43) });
    store.audit.record('decrypt.failed', { address: `${'Q'.repeat(43)}.${'b'.repeat(43)}` });
    expect(store.audit.countsFor(dev1)).toMatchObject({ 'decrypt.failed': 2, 'session.repaired': 1, 'safety_number.changed': 0 });
    expect(store.audit.countsFor(dev2)).toMatchObject({ 'decrypt.failed': 1, 'session.repaired': 0 });
    expect(store.audit.countsFor(peer)).toMatchObject({ 'decrypt.failed': 3, 'session.repaired': 1, 'safety_number.changed': 1 });
    store.close();
  });

  it('lives inside the encrypted file and never starts a backup', async () => {
    const { store, dbPath } = await rawKeyStore();
    const seq = currentChangeSeq(store);
    const canary = 'CANARY_reason_7f3a91';
    for (let i = 0; i < 50; i++) store.audit.record('envelope.rejected', { reason: canary });
    expect(currentChangeSeq(store)).toBe(seq);
    store.checkpoint();
    expect(filesContain(dbFiles(dbPath), new TextEncoder().encode(canary))).toBe(false);
    store.close();
  });

  it('records a re-key with the reseal, and nothing for a re-key abandoned before it', async () => {
    const dir = tempDir();
    const s = await LocalStore.create({ dir, passphrase: 'pw', pwhash: FAST_PWHASH });
    s.rekey('pw', 'next-file');
    s.db.close(); // the process dies before the reseal
    const t = await LocalStore.open({ dir, passphrase: 'pw', pwhash: FAST_PWHASH });
    expect(t.audit.list(10)).toEqual([]);
    t.rekey('pw');
    expect(t.audit.list(10).map((e) => e.kind)).toEqual(['store.rekeyed']);
    t.close();
  });
});
