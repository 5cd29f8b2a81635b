/**
 * The sealed history a linking device hands the new one (src/main/devices/linkHistory.ts),
 * on real SQLite files: it round-trips, it holds no plaintext, and every kind
 * of alteration fails with HISTORY_TAMPERED and imports nothing.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sodium from 'libsodium-wrappers-sumo';
import { importHistory, writeHistory, type HistoryFile } from '../../../src/main/devices/linkHistory';
import { rawKeyStore, tempDir } from '../../support/storeFixture';
import { CANARY, seedStore } from '../backup/seed';

beforeAll(async () => {
  await sodium.ready;
});

async function sealed(): Promise<{ file: string; h: HistoryFile; accountId: string; messages: number }> {
  const { store } = await rawKeyStore();
  const s = seedStore(store);
  const file = path.join(tempDir(), 'history.bin');
  const h = await writeHistory(store, file, null);
  const messages = store.db.prepare('SELECT count(*) FROM messages').pluck().get() as number;
  store.close();
  return { file, h, accountId: s.accountId, messages };
}

async function target(accountId: string) {
  const t = await rawKeyStore();
  t.store.directory.setAccount(accountId, 'placeholder', new Uint8Array([1]));
  return t.store;
}

const count = (store: Awaited<ReturnType<typeof target>>) => ({
  messages: store.db.prepare('SELECT count(*) FROM messages').pluck().get(),
  contacts: store.db.prepare('SELECT count(*) FROM contacts').pluck().get(),
});

describe('the sealed linking history', () => {
  it('imports contacts and messages into a new store, reporting progress, with no plaintext in the file', async () => {
    const { file, h, accountId } = await sealed();
    const bytes = readFileSync(file);
    for (const c of Object.values(CANARY)) expect(bytes.includes(Buffer.from(c))).toBe(false);
    const store = await target(accountId);
    const seen: number[] = [];
    const n = await importHistory(store, file, h, (k) => seen.push(k));
    expect(n).toBeGreaterThan(0);
    expect(seen.at(-1)).toBe(n);
    expect(count(store).contacts).toBeGreaterThan(0);
    expect(store.messages.search(CANARY.text, 5)).toHaveLength(1);
  });

  it('refuses a file with one flipped byte, a truncated file and a wrong key, and imports nothing', async () => {
    const { file, h, accountId } = await sealed();
    const original = readFileSync(file);
    const flipped = Buffer.from(original);
    flipped[Math.floor(flipped.length / 2)]! ^= 0x01;
    const cases: [string, Buffer, HistoryFile][] = [
      ['flipped', flipped, h],
      ['truncated', original.subarray(0, original.length - 7), h],
      ['wrong key', original, { ...h, key: new Uint8Array(32) }],
    ];
    for (const [label, bytes, meta] of cases) {
      writeFileSync(file, bytes);
      // The digest check is the first line of defence; recompute it so the frame checks are exercised too.
      const digest = label === 'wrong key' ? meta.digest : sodium.crypto_generichash(32, bytes, null);
      const store = await target(accountId);
      await expect(importHistory(store, file, { ...meta, digest }, () => undefined), label).rejects.toMatchObject({ code: 'HISTORY_TAMPERED' });
      expect(count(store), label).toEqual({ messages: 0, contacts: 0 });
      if (label === 'wrong key') continue;
      const viaDigest = await target(accountId);
      await expect(importHistory(viaDigest, file, h, () => undefined), `${label} (digest)`).rejects.toMatchObject({ code: 'HISTORY_TAMPERED' });
      expect(count(viaDigest)).toEqual({ messages: 0, contacts: 0 });
    }
  });
});
