import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import sodium from 'libsodium-wrappers-sumo';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { deriveRecoveryKeys, generateRecoveryPhrase, phraseToSeed } from '../../../src/main/account/recovery';
import { BackupKeys } from '../../../src/main/backup/keys';
import { manifestAd, openBlob, sealBlob, segmentAd } from '../../../src/main/backup/format';
import { fetchBlob } from '../../../src/main/backup/transport';
import { BACKUP_FORMAT_VERSION, BACKUP_PAD_BLOCK } from '../../../src/shared/constants';

async function keys(): Promise<BackupKeys> {
  const seed = phraseToSeed(generateRecoveryPhrase());
  const rk = await deriveRecoveryKeys(seed);
  seed.dispose();
  return BackupKeys.derive(rk);
}

const Any = z.object({ hello: z.string() }).strict();

describe('backup blob format', () => {
  it('derives distinct sub-keys and segment ids that fit the relay id pattern, and never prints them', async () => {
    const k = await keys();
    const subs = [k.manifestKey, k.segmentKey, k.segmentIdKey].map((s) => sodium.to_hex(s.bytes));
    expect(new Set(subs).size).toBe(3);
    const ids = [k.segmentId(0, 0), k.segmentId(0, 1), k.segmentId(1, 0)];
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{22,43}$/u);
    expect(k.segmentId(0, 1)).toBe(ids[1]);
    const printed = `${inspect(k)} ${JSON.stringify(k)} ${String(k.segmentKey)}`;
    for (const hex of subs) expect(printed).not.toContain(hex);
    k.dispose();
    expect(k.segmentKey.disposed).toBe(true);
  });

  it('opens a blob only at the position and role it was sealed for', async () => {
    const k = await keys();
    const at = { generation: 3, bank: 1, n: 7 };
    const blob = sealBlob(k.segmentKey.bytes, segmentAd(k.backupId, at), '{"hello":"world"}');
    expect(blob.length % BACKUP_PAD_BLOCK).toBe(1 + 24 + 16);
    expect(blob[0]).toBe(BACKUP_FORMAT_VERSION);
    expect(openBlob(k.segmentKey.bytes, segmentAd(k.backupId, at), blob, Any, 'segment 7')).toEqual({ hello: 'world' });
    for (const other of [{ ...at, n: 8 }, { ...at, bank: 0 }, { ...at, generation: 2 }]) {
      expect(() => openBlob(k.segmentKey.bytes, segmentAd(k.backupId, other), blob, Any, 'segment')).toThrow(expect.objectContaining({ code: 'BACKUP_TAMPERED' }) as Error);
    }
    expect(() => openBlob(k.manifestKey.bytes, manifestAd(k.backupId), blob, Any, 'manifest')).toThrow(expect.objectContaining({ code: 'BACKUP_TAMPERED' }) as Error);
    const newer = Uint8Array.from(blob);
    newer[0] = BACKUP_FORMAT_VERSION + 1;
    expect(() => openBlob(k.segmentKey.bytes, segmentAd(k.backupId, at), newer, Any, 'segment')).toThrow(expect.objectContaining({ code: 'BACKUP_VERSION' }) as Error);
    expect(() => openBlob(k.segmentKey.bytes, segmentAd(k.backupId, at), blob.subarray(0, 30), Any, 'segment')).toThrow(expect.objectContaining({ code: 'BACKUP_TAMPERED' }) as Error);
    const wrongShape = sealBlob(k.segmentKey.bytes, segmentAd(k.backupId, at), '{"hello":1}');
    expect(() => openBlob(k.segmentKey.bytes, segmentAd(k.backupId, at), wrongShape, Any, 'segment')).toThrow(expect.objectContaining({ code: 'BACKUP_MALFORMED' }) as Error);
    k.dispose();
  });
});

describe('backup blob downloads', () => {
  let server: http.Server | null = null;
  afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  async function serve(handler: http.RequestListener): Promise<string> {
    server = http.createServer(handler);
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('gives up on a relay that stops sending mid-body', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write(Buffer.alloc(10));
    });
    const started = Date.now();
    await expect(fetchBlob(url, 'x'.repeat(22), new Uint8Array(32), 'segment 1', { idleMs: 100 })).rejects.toMatchObject({ code: 'BACKUP_NETWORK' });
    expect(Date.now() - started).toBeLessThan(5_000);
    server!.closeAllConnections();
  });

  it('refuses a blob larger than the cap without buffering all of it', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200);
      res.end(Buffer.alloc(64 * 1024));
    });
    await expect(fetchBlob(url, 'x'.repeat(22), new Uint8Array(32), 'manifest', { maxBytes: 1000 })).rejects.toMatchObject({ code: 'BACKUP_TOO_LARGE' });
  });

  it('reads a missing blob as null and a rate limit as its own code', async () => {
    let status = 404;
    const url = await serve((_req, res) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ v: 1, code: status === 404 ? 'NOT_FOUND' : 'RATE_LIMITED' }));
    });
    expect(await fetchBlob(url, 'x'.repeat(22), new Uint8Array(32), 'manifest')).toBeNull();
    status = 429;
    await expect(fetchBlob(url, 'x'.repeat(22), new Uint8Array(32), 'manifest')).rejects.toMatchObject({ code: 'BACKUP_RATE_LIMITED' });
  });
});
