/**
 * Attachments end to end. Sending: the renderer streams plaintext chunks in;
 * they are encrypted (secretstream) straight into the profile's attachment
 * folder, so plaintext never touches disk; the ciphertext is uploaded to the
 * relay as a stream and the pointer (key, digest) travels in the encrypted
 * message. Receiving: the blob is streamed down, its digest checked, and the
 * ciphertext kept; reads decrypt on the fly. Keys live sealed in the store.
 */
import { createReadStream, createWriteStream, mkdirSync, rmSync, statSync, type WriteStream } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import sodium from 'libsodium-wrappers-sumo';
import { fromBase64Url, toBase64Url } from '../../shared/wire/encoding';
import type { AttachmentPointer } from '../../shared/wire/content';
import { MAX_ATTACHMENT_BYTES } from '../../shared/constants';
import { DecryptStream, EncryptStream, newAttachmentKey } from './crypto';
import { downloadAttachment, uploadAttachment } from '../relayClient/blobs';
import type { Attachment } from '../store/attachments';
import { AttachmentError } from './errors';
import { relayHttpBase } from '../relayClient/relayLink';

/** A file being sent: its ciphertext streams to `file` as chunks arrive. */
export interface Upload {
  readonly id: string;
  readonly conversationId: string;
  readonly name: string;
  readonly mime: string;
  readonly size: number;
  readonly key: Uint8Array;
  readonly file: string;
  readonly enc: EncryptStream;
  readonly done: Promise<void>;
  received: number;
}

/** A fresh upload or attachment id (16 random bytes, base64url). */
export const newId = (): string => toBase64Url(new Uint8Array(randomBytes(16)));

/** Attachment ciphertext on disk: encrypting uploads, verified downloads, decrypting reads. */
export class AttachmentFiles {
  readonly #uploads = new Map<string, Upload>();
  readonly #readers = new Map<string, { iterator: AsyncIterator<Buffer>; offset: number }>();

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  pathFor(id: string): string {
    return path.join(this.dir, `${id}.bin`);
  }

  begin(conversationId: string, name: string, mime: string, size: number): Upload {
    if (size < 1 || size > MAX_ATTACHMENT_BYTES) throw new AttachmentError('ATTACHMENT_BAD_SIZE', 'Attachments are 1 byte to 100 MiB.');
    const id = newId();
    const key = newAttachmentKey();
    const file = this.pathFor(id);
    const enc = new EncryptStream(key);
    const out: WriteStream = createWriteStream(file, { mode: 0o600 });
    const done = pipeline(enc, out);
    // Not swallowed: `finish` awaits `done` and reports its failure; this only keeps an early failure from being an unhandled rejection.
    done.catch(() => undefined);
    const u: Upload = { id, conversationId, name, mime, size, key, file, enc, done, received: 0 };
    this.#uploads.set(id, u);
    return u;
  }

  async append(uploadId: string, chunk: Uint8Array): Promise<number> {
    const u = this.#uploads.get(uploadId);
    if (!u) throw new AttachmentError('ATTACHMENT_UNKNOWN_UPLOAD', 'That upload was cancelled or finished.');
    if (u.received + chunk.length > u.size) throw new AttachmentError('ATTACHMENT_SIZE_MISMATCH', 'The file is larger than announced.');
    if (!u.enc.write(chunk)) await new Promise((r) => u.enc.once('drain', r));
    u.received += chunk.length;
    return u.received;
  }

  /** Seals the local ciphertext file and uploads it; returns the pointer for the message. */
  async finish(uploadId: string, relayUrl: string, slot: { path: string; uploadToken: string; attachmentId: string }): Promise<{ upload: Upload; pointer: AttachmentPointer; digest: Uint8Array }> {
    const u = this.#uploads.get(uploadId);
    if (!u) throw new AttachmentError('ATTACHMENT_UNKNOWN_UPLOAD', 'That upload was cancelled or finished.');
    if (u.received !== u.size) throw new AttachmentError('ATTACHMENT_SIZE_MISMATCH', 'The file ended before its announced size.');
    u.enc.end();
    await u.done;
    const digest = u.enc.digest();
    await uploadAttachment(relayHttpBase(relayUrl), slot, createReadStream(u.file));
    this.#uploads.delete(uploadId);
    return {
      upload: u,
      digest,
      pointer: { blobId: slot.attachmentId, key: toBase64Url(u.key), digest: toBase64Url(digest), size: u.size, name: u.name, mime: u.mime },
    };
  }

  cancel(uploadId: string): void {
    const u = this.#uploads.get(uploadId);
    if (!u) return;
    this.#uploads.delete(uploadId);
    u.enc.destroy();
    rmSync(u.file, { force: true });
  }

  /** Streams a received blob to disk, checking its digest as it arrives; the file holds ciphertext only. */
  async download(relayUrl: string, pointer: AttachmentPointer, id: string): Promise<string> {
    const expected = fromBase64Url(pointer.digest);
    if (!expected) throw new AttachmentError('ATTACHMENT_BAD_POINTER', 'The attachment pointer is malformed.');
    const file = this.pathFor(id);
    const hash = sodium.crypto_generichash_init(null, 32);
    let bytes = 0;
    const check = new Transform({
      transform(chunk: Buffer, _e, cb) {
        bytes += chunk.length;
        if (bytes > MAX_ATTACHMENT_BYTES + MAX_ATTACHMENT_BYTES / 1000 + 1024) return cb(new AttachmentError('ATTACHMENT_TOO_LARGE', 'The attachment is larger than allowed.'));
        sodium.crypto_generichash_update(hash, chunk);
        cb(null, chunk);
      },
    });
    try {
      await pipeline(await downloadAttachment(relayHttpBase(relayUrl), pointer.blobId), check, createWriteStream(file, { mode: 0o600 }));
      if (!sodium.memcmp(sodium.crypto_generichash_final(hash, 32), expected)) throw new AttachmentError('ATTACHMENT_DIGEST_MISMATCH', 'The attachment does not match its digest.');
    } catch (e) {
      rmSync(file, { force: true });
      throw e;
    }
    return file;
  }

  /** The next decrypted chunk at `offset` (reads are sequential per attachment). */
  async read(a: Attachment, offset: number): Promise<{ chunk: Uint8Array; done: boolean }> {
    if (!a.localPath) throw new AttachmentError('ATTACHMENT_NOT_ARRIVED', 'The attachment has not arrived yet.');
    let r = this.#readers.get(a.id);
    if (!r || r.offset !== offset) {
      if (offset !== 0) throw new AttachmentError('ATTACHMENT_BAD_OFFSET', 'Attachments are read from the start.');
      const stream = createReadStream(a.localPath).pipe(new DecryptStream(a.key, a.digest));
      r = { iterator: stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>, offset: 0 };
      this.#readers.set(a.id, r);
    }
    const next = await r.iterator.next();
    if (next.done) {
      this.#readers.delete(a.id);
      return { chunk: new Uint8Array(0), done: true };
    }
    r.offset += next.value.length;
    const done = r.offset >= a.size;
    if (done) this.#readers.delete(a.id);
    return { chunk: new Uint8Array(next.value), done };
  }

  sizeOnDisk(file: string): number {
    return statSync(file).size;
  }
}
