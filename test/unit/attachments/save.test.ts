/**
 * Saving received attachments under names a sender chose (src/main/attachments/save.ts):
 * path traversal, absolute paths, Windows device names, control characters
 * and very long names never write outside the folder, never overwrite a
 * file, and the file is the real decrypted attachment, mode 0600.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import sodium from 'libsodium-wrappers-sumo';
import { EncryptStream, newAttachmentKey } from '../../../src/main/attachments/crypto';
import { safeFileName, saveAttachment } from '../../../src/main/attachments/save';
import type { Attachment } from '../../../src/main/store';
import { SAVED_FILE_NAME_MAX_BYTES } from '../../../src/shared/constants';
import { tempDir } from '../../support/storeFixture';

const plain = randomBytes(5_000);
let sealed: { file: string; key: Uint8Array; digest: Uint8Array };

beforeAll(async () => {
  await sodium.ready;
  const key = newAttachmentKey();
  const file = path.join(tempDir(), 'blob.enc');
  const enc = new EncryptStream(key);
  await pipeline(Readable.from([plain]), enc, createWriteStream(file));
  sealed = { file, key, digest: enc.digest() };
});

const attachment = (fileName: string | null): Attachment => ({
  id: 'att-0123456789abcdef', messageId: 'm', contentType: 'image/png', size: plain.length, fileName, localPath: sealed.file, key: sealed.key, digest: sealed.digest,
});

/** Every file under `dir`, recursively, relative to it. */
const filesUnder = (dir: string): string[] => readdirSync(dir, { recursive: true, encoding: 'utf8' });

const HOSTILE = [
  '../../escape.png', '..\\..\\escape.png', '/etc/passwd', 'C:\\Windows\\system.ini', '..', '.', '', '   ', 'CON', 'nul.txt', 'COM1.png', 'lpt9',
  'a\u0000b.png', 'line\nbreak.png', 'bell\u0007.png', 'evil\u202Egnp.exe', 'x'.repeat(300) + '.png', '🎉'.repeat(120) + '.jpg', '.bashrc', 'a:b*c?.png',
];

describe('safe file names for saved attachments', () => {
  it('keeps an ordinary name as it is', () => {
    expect(safeFileName('holiday photo.png', 'fallback')).toBe('holiday photo.png');
    expect(safeFileName('Résumé – 2026.pdf', 'fallback')).toBe('Résumé – 2026.pdf');
  });

  it.each(HOSTILE)('makes %j a plain name in the folder', (name) => {
    const safe = safeFileName(name, 'attachment-1');
    expect([...safe].some((ch) => ch === '/' || ch === '\\' || ch.charCodeAt(0) < 0x20 || ch === '\u202e')).toBe(false);
    expect(safe).not.toMatch(/^\.|^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/iu);
    expect(safe.length).toBeGreaterThan(0);
    expect(Buffer.byteLength(safe)).toBeLessThanOrEqual(SAVED_FILE_NAME_MAX_BYTES);
    expect(path.dirname(path.join('/some/dir', safe))).toBe('/some/dir');
  });

  it('keeps the extension of a name it shortens', () => {
    expect(safeFileName('x'.repeat(300) + '.png', 'f')).toMatch(/^x+\.png$/u);
  });
});

describe('saving an attachment into a folder', () => {
  it('never writes outside the folder, whatever the sender named the file', async () => {
    const root = tempDir();
    const dir = path.join(root, 'inbox');
    mkdirSync(dir);
    writeFileSync(path.join(root, 'escape.png'), 'outside, untouched');
    for (const name of HOSTILE) {
      const saved = await saveAttachment(attachment(name), dir);
      expect(path.dirname(saved.path)).toBe(dir);
      expect(readFileSync(saved.path).equals(plain)).toBe(true);
      expect(statSync(saved.path).mode & 0o777).toBe(0o600);
    }
    expect(readdirSync(root).sort()).toEqual(['escape.png', 'inbox']);
    expect(readFileSync(path.join(root, 'escape.png'), 'utf8')).toBe('outside, untouched');
    expect(filesUnder(dir)).toHaveLength(HOSTILE.length);
    expect(filesUnder(dir).every((f) => !f.includes(path.sep))).toBe(true);
  });

  it('numbers a name that is taken instead of overwriting the file', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'report.pdf'), 'mine');
    const a = await saveAttachment(attachment('report.pdf'), dir);
    const b = await saveAttachment(attachment('../report.pdf'), dir);
    expect([a.name, b.name]).toEqual(['report (2).pdf', 'report (3).pdf']);
    expect(readFileSync(path.join(dir, 'report.pdf'), 'utf8')).toBe('mine');
  });

  it('leaves no half file behind when the ciphertext does not match its digest', async () => {
    const dir = tempDir();
    await expect(saveAttachment({ ...attachment('bad.png'), digest: new Uint8Array(32) }, dir)).rejects.toMatchObject({ code: 'ATTACHMENT_DIGEST' });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses an attachment whose file has not arrived', async () => {
    await expect(saveAttachment({ ...attachment('x.png'), localPath: null }, tempDir())).rejects.toMatchObject({ code: 'ATTACHMENT_NOT_ARRIVED' });
  });
});
