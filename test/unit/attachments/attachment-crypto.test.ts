import { beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import sodium from 'libsodium-wrappers-sumo';
import { DecryptStream, EncryptStream, newAttachmentKey } from '../../../src/main/attachments/crypto';
import { ATTACHMENT_CHUNK_BYTES } from '../../../src/shared/constants';

beforeAll(async () => {
  await sodium.ready;
});

function collect(): { sink: Writable; bytes: () => Buffer } {
  const parts: Buffer[] = [];
  return {
    sink: new Writable({ write: (c: Buffer, _e, cb) => (parts.push(c), cb()) }),
    bytes: () => Buffer.concat(parts),
  };
}

async function encrypt(plain: Buffer, key: Uint8Array, pieces = 7) {
  const enc = new EncryptStream(key);
  const out = collect();
  const step = Math.max(1, Math.ceil(plain.length / pieces));
  const chunks = [];
  for (let i = 0; i < plain.length; i += step) chunks.push(plain.subarray(i, i + step));
  await pipeline(Readable.from(chunks), enc, out.sink);
  return { blob: out.bytes(), digest: enc.digest() };
}

async function decrypt(blob: Buffer, key: Uint8Array, digest: Uint8Array, pieces = 5) {
  const out = collect();
  const step = Math.max(1, Math.ceil(blob.length / pieces));
  const chunks = [];
  for (let i = 0; i < blob.length; i += step) chunks.push(blob.subarray(i, i + step));
  await pipeline(Readable.from(chunks), new DecryptStream(key, digest), out.sink);
  return out.bytes();
}

describe('attachment encryption', () => {
  it.each([0, 1, ATTACHMENT_CHUNK_BYTES - 1, ATTACHMENT_CHUNK_BYTES, ATTACHMENT_CHUNK_BYTES + 1, 3 * ATTACHMENT_CHUNK_BYTES, 1_000_003])(
    'round-trips %i bytes through arbitrary stream chunking',
    async (size) => {
      const plain = randomBytes(size);
      const key = newAttachmentKey();
      const { blob, digest } = await encrypt(plain, key);
      expect(blob.includes(plain.subarray(0, Math.min(64, size))) && size > 32).toBe(false);
      expect((await decrypt(blob, key, digest)).equals(plain)).toBe(true);
    },
  );

  it('rejects a flipped bit, a truncated blob, a wrong key and a wrong digest with typed errors', async () => {
    const plain = randomBytes(2 * ATTACHMENT_CHUNK_BYTES + 100);
    const key = newAttachmentKey();
    const { blob, digest } = await encrypt(plain, key);
    const flipped = Buffer.from(blob);
    flipped[ATTACHMENT_CHUNK_BYTES + 40]! ^= 1;
    await expect(decrypt(flipped, key, digest)).rejects.toMatchObject({ code: 'ATTACHMENT_CORRUPT' });
    await expect(decrypt(blob.subarray(0, blob.length - ATTACHMENT_CHUNK_BYTES - 200), key, digest)).rejects.toMatchObject({ code: expect.stringMatching(/ATTACHMENT_(TRUNCATED|CORRUPT)/) });
    await expect(decrypt(blob.subarray(0, 24 + ATTACHMENT_CHUNK_BYTES + 17), key, digest)).rejects.toMatchObject({ code: 'ATTACHMENT_TRUNCATED' });
    await expect(decrypt(blob, newAttachmentKey(), digest)).rejects.toMatchObject({ code: 'ATTACHMENT_CORRUPT' });
    await expect(decrypt(blob, key, new Uint8Array(32))).rejects.toMatchObject({ code: 'ATTACHMENT_DIGEST' });
  });
});
