/**
 * Received attachments written out as plaintext files, for `parley receive
 * --attachments DIR` and for conversation export. The name comes from the
 * sender, so it is hostile input: only its last path component is kept,
 * control and reserved characters are replaced, Windows device names (CON,
 * NUL, COM1, …) get a leading underscore, the name is cut to
 * SAVED_FILE_NAME_MAX_BYTES, and the file is created exclusively (never
 * over an existing file or through a symlink) with mode 0600 inside DIR.
 */
import { createReadStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { SAVED_FILE_NAME_MAX_BYTES, SAVED_FILE_NAME_MAX_TRIES } from '../../shared/constants';
import type { Attachment } from '../store/attachments';
import { DecryptStream } from './crypto';
import { AttachmentError } from './errors';

/** Where a saved attachment went, and what it is. */
export interface SavedFile {
  readonly name: string;
  readonly path: string;
  readonly size: number;
  readonly mime: string;
}

const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)(\..*)?$/iu;
// Control characters, the characters Windows forbids in names, and both path separators.
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f<>:"/\\|?*\u202a-\u202e\u2066-\u2069]/gu;

/** Cuts a string to at most `max` UTF-8 bytes without splitting a character. */
function cutBytes(s: string, max: number): string {
  let out = '';
  let bytes = 0;
  for (const ch of s) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > max) break;
    out += ch;
    bytes += n;
  }
  return out;
}

/**
 * A file name that is safe in any directory on Linux, macOS and Windows:
 * never a path, never `.`/`..`, never a device name, never empty, never
 * hidden, at most SAVED_FILE_NAME_MAX_BYTES bytes (the extension kept).
 */
export function safeFileName(name: string | null, fallback: string): string {
  const last = (name ?? '').split(/[/\\]/u).pop() ?? '';
  let clean = last.normalize('NFC').replace(FORBIDDEN, '_').replace(/^[\s.]+|[\s.]+$/gu, '');
  if (clean === '') clean = fallback.replace(FORBIDDEN, '_');
  if (RESERVED.test(clean)) clean = `_${clean}`;
  if (Buffer.byteLength(clean) > SAVED_FILE_NAME_MAX_BYTES) {
    const ext = path.extname(clean);
    const keep = Buffer.byteLength(ext) <= 16 ? ext : '';
    clean = cutBytes(clean.slice(0, clean.length - keep.length), SAVED_FILE_NAME_MAX_BYTES - Buffer.byteLength(keep)) + keep;
  }
  return clean;
}

/** `name`, or `name (2)`, `name (3)`… for the n-th try. */
function numbered(name: string, n: number): string {
  if (n === 1) return name;
  const ext = path.extname(name);
  return `${name.slice(0, name.length - ext.length)} (${n})${ext}`;
}

/**
 * Decrypts a received attachment into a new 0600 file in `dir` under a safe
 * version of its name (numbered when the name is taken). Throws
 * ATTACHMENT_NOT_ARRIVED when its ciphertext is not here.
 */
export async function saveAttachment(a: Attachment, dir: string): Promise<SavedFile> {
  if (!a.localPath) throw new AttachmentError('ATTACHMENT_NOT_ARRIVED', 'The attachment has not arrived yet.');
  const root = path.resolve(dir);
  const base = safeFileName(a.fileName, `attachment-${a.id.slice(0, 12)}`);
  for (let n = 1; n <= SAVED_FILE_NAME_MAX_TRIES; n++) {
    const name = numbered(base, n);
    const file = path.join(root, name);
    if (path.dirname(file) !== root) throw new AttachmentError('ATTACHMENT_BAD_NAME', 'The attachment’s name does not stay inside the folder.');
    const fh = await open(file, 'wx', 0o600).catch((e: unknown) => {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return null;
      throw e;
    });
    if (fh === null) continue;
    try {
      await pipeline(createReadStream(a.localPath), new DecryptStream(a.key, a.digest), fh.createWriteStream());
    } catch (e) {
      // A file that did not decrypt to the end is not the attachment: no half file stays behind.
      await rm(file, { force: true });
      throw e;
    }
    return { name, path: file, size: a.size, mime: a.contentType };
  }
  throw new AttachmentError('ATTACHMENT_BAD_NAME', `More than ${SAVED_FILE_NAME_MAX_TRIES} files in the folder already have this name.`);
}
