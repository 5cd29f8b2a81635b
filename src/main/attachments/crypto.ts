/**
 * Attachment encryption with libsodium secretstream (XChaCha20-Poly1305),
 * as Node streams so a 100 MiB file is never held in memory.
 *
 *   blob = header (24) ‖ chunk₁ ‖ … ‖ chunkₙ
 *   chunkᵢ = secretstream_push(plaintext slice of ATTACHMENT_CHUNK_BYTES, tag)
 *
 * The last chunk carries TAG_FINAL, so truncation is detected. The pointer
 * sent inside the (ratchet-encrypted) message carries the key and a
 * BLAKE2b-256 digest of the whole blob, checked while decrypting.
 */
import { randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import sodium from 'libsodium-wrappers-sumo';
import { ATTACHMENT_CHUNK_BYTES } from '../../shared/constants';
import { ParleyError } from '../../shared/errors';

type HashState = ReturnType<typeof sodium.crypto_generichash_init>;
type StreamState = ReturnType<typeof sodium.crypto_secretstream_xchacha20poly1305_init_pull>;

const ABYTES = 17; // crypto_secretstream_xchacha20poly1305_ABYTES
const HEADER = 24;

/** Why an attachment blob failed to decrypt: altered, cut short, or not the blob the pointer names. */
export type AttachmentCryptoErrorCode = 'ATTACHMENT_CORRUPT' | 'ATTACHMENT_TRUNCATED' | 'ATTACHMENT_DIGEST';
/** A failed attachment decryption, with the code saying how. */
export class AttachmentCryptoError extends ParleyError<AttachmentCryptoErrorCode> {}

/** A fresh random 32-byte key for one attachment; it travels only inside the encrypted message. */
export const newAttachmentKey = (): Uint8Array => new Uint8Array(randomBytes(32));

/** Encrypts a byte stream; `digest()` is valid after 'end'. */
export class EncryptStream extends Transform {
  readonly #state: StreamState;
  readonly #hash: HashState;
  #pending: Buffer[] = [];
  #pendingLen = 0;
  #digest: Uint8Array | null = null;

  constructor(key: Uint8Array) {
    super();
    const { state, header } = sodium.crypto_secretstream_xchacha20poly1305_init_push(key);
    this.#state = state;
    this.#hash = sodium.crypto_generichash_init(null, 32);
    this.#emit(header);
  }

  #emit(bytes: Uint8Array): void {
    sodium.crypto_generichash_update(this.#hash, bytes);
    this.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.#pending.push(chunk);
    this.#pendingLen += chunk.length;
    while (this.#pendingLen > ATTACHMENT_CHUNK_BYTES) {
      const all = Buffer.concat(this.#pending);
      const slice = all.subarray(0, ATTACHMENT_CHUNK_BYTES);
      this.#pending = [all.subarray(ATTACHMENT_CHUNK_BYTES)];
      this.#pendingLen = all.length - ATTACHMENT_CHUNK_BYTES;
      this.#emit(sodium.crypto_secretstream_xchacha20poly1305_push(this.#state, slice, null, sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE));
    }
    cb();
  }

  override _flush(cb: TransformCallback): void {
    const last = Buffer.concat(this.#pending);
    this.#emit(sodium.crypto_secretstream_xchacha20poly1305_push(this.#state, last, null, sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL));
    this.#digest = sodium.crypto_generichash_final(this.#hash, 32);
    cb();
  }

  digest(): Uint8Array {
    if (!this.#digest) throw new Error('digest() before the stream ended');
    return this.#digest;
  }
}

/** Decrypts a blob stream; fails with a typed error on tampering, truncation or a digest mismatch. */
export class DecryptStream extends Transform {
  readonly #key: Uint8Array;
  readonly #expectedDigest: Uint8Array;
  readonly #hash: HashState;
  #state: StreamState | null = null;
  #buf: Buffer = Buffer.alloc(0);
  #final = false;

  constructor(key: Uint8Array, expectedDigest: Uint8Array) {
    super();
    this.#key = key;
    this.#expectedDigest = expectedDigest;
    this.#hash = sodium.crypto_generichash_init(null, 32);
  }

  #pull(cipher: Uint8Array): void {
    const r = sodium.crypto_secretstream_xchacha20poly1305_pull(this.#state!, cipher, null);
    if (!r) throw new AttachmentCryptoError('ATTACHMENT_CORRUPT', 'The attachment was altered or damaged.');
    if (this.#final) throw new AttachmentCryptoError('ATTACHMENT_CORRUPT', 'The attachment has data after its end.');
    if (r.tag === sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL) this.#final = true;
    if (r.message.length > 0) this.push(Buffer.from(r.message.buffer, r.message.byteOffset, r.message.byteLength));
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      sodium.crypto_generichash_update(this.#hash, chunk);
      this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
      if (this.#state === null) {
        if (this.#buf.length < HEADER) return cb();
        this.#state = sodium.crypto_secretstream_xchacha20poly1305_init_pull(this.#buf.subarray(0, HEADER), this.#key);
        this.#buf = this.#buf.subarray(HEADER);
      }
      const whole = ATTACHMENT_CHUNK_BYTES + ABYTES;
      // Keep at least one full chunk back: the final chunk may be exactly full-size.
      while (this.#buf.length > whole) {
        this.#pull(this.#buf.subarray(0, whole));
        this.#buf = this.#buf.subarray(whole);
      }
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }

  override _flush(cb: TransformCallback): void {
    try {
      if (this.#state === null || this.#buf.length < ABYTES) throw new AttachmentCryptoError('ATTACHMENT_TRUNCATED', 'The attachment is incomplete.');
      this.#pull(this.#buf);
      if (!this.#final) throw new AttachmentCryptoError('ATTACHMENT_TRUNCATED', 'The attachment is incomplete.');
      const digest = sodium.crypto_generichash_final(this.#hash, 32);
      if (!sodium.memcmp(digest, this.#expectedDigest)) throw new AttachmentCryptoError('ATTACHMENT_DIGEST', 'The attachment does not match its digest.');
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }
}
