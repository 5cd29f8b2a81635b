/**
 * The history a linking device hands the new one: the account state and the
 * messages, as a file of independently sealed frames uploaded to the relay
 * like an attachment. Frame 0 is the AccountState, frames 1… are message
 * chunks; each frame is deflated, then
 *
 *   frame = u32 length ‖ XChaCha20-Poly1305(k, nonce = 0¹⁶ ‖ u64(i), ad = "Parley-v1 history" ‖ u32(i) ‖ u8(last), plaintext)
 *
 * under a random key k that only the end-to-end-encrypted provisioning
 * message carries, with the BLAKE2b-256 digest of the whole file. The last
 * frame says so in its AD, so truncation fails like tampering does. The new
 * device downloads with byte ranges (resuming where a broken download
 * stopped), checks the digest, then imports every frame in ONE transaction:
 * a relay that alters anything causes a clean failure, never a partial import.
 */
import { createReadStream, createWriteStream, existsSync, readFileSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import sodium from 'libsodium-wrappers-sumo';
import { ParleyError } from '../../shared/errors';
import { concatBytes, u32be, utf8Bytes } from '../../shared/wire/encoding';
import { LINK_HISTORY_CHUNK_MESSAGES, LINK_MAX_FRAME_BYTES } from '../../shared/constants';
import { downloadAttachment } from '../relayClient/blobs';
import type { LocalStore } from '../store';
import { exportMessages, exportState, importMessages, importState } from '../snapshot';

/** Why a linking history could not be used: altered or truncated in transit, or over the size limit. */
export type HistoryErrorCode = 'HISTORY_TAMPERED' | 'HISTORY_TOO_LARGE';
/** A failed history export or import, with its code; nothing was imported. */
export class HistoryError extends ParleyError<HistoryErrorCode> {}

const AD_CONTEXT = utf8Bytes('Parley-v1 history');

/** A written history file: the key and digest the provisioning message carries, and its size and counts. */
export interface HistoryFile {
  readonly key: Uint8Array;
  readonly digest: Uint8Array;
  readonly size: number;
  readonly frames: number;
  readonly messages: number;
}

function nonceFor(index: number): Uint8Array {
  const n = new Uint8Array(24);
  new DataView(n.buffer).setBigUint64(16, BigInt(index));
  return n;
}

const adFor = (index: number, last: boolean): Uint8Array => concatBytes(AD_CONTEXT, u32be(index), new Uint8Array([last ? 1 : 0]));

/** Writes the sealed history file: state, then messages sent at or after `sinceMs` (all if null). */
export async function writeHistory(store: LocalStore, file: string, sinceMs: number | null): Promise<HistoryFile> {
  await sodium.ready;
  const key = new Uint8Array(randomBytes(32));
  const out = await open(file, 'w', 0o600);
  const hash = sodium.crypto_generichash_init(null, 32);
  let index = 0;
  let size = 0;
  let messages = 0;
  let pending: Uint8Array | null = deflateRawSync(JSON.stringify(exportState(store)));
  const write = async (plain: Uint8Array, last: boolean) => {
    const sealed = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plain, adFor(index, last), null, nonceFor(index), key);
    const frame = concatBytes(u32be(sealed.length), sealed);
    sodium.crypto_generichash_update(hash, frame);
    await out.write(frame);
    size += frame.length;
    index++;
  };
  try {
    for (const chunk of exportMessages(store, { sinceMs: sinceMs ?? undefined, chunkSize: LINK_HISTORY_CHUNK_MESSAGES })) {
      await write(pending, false);
      pending = deflateRawSync(JSON.stringify(chunk));
      messages += chunk.length;
    }
    await write(pending, true);
    await out.sync();
  } finally {
    await out.close();
  }
  return { key, digest: sodium.crypto_generichash_final(hash, 32), size, frames: index, messages };
}

/** Streams `file` up with progress callbacks (bytes sent so far). */
export function counting(onBytes: (n: number) => void): Transform {
  let n = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      n += chunk.length;
      onBytes(n);
      done(null, chunk);
    },
  });
}

/** Downloads the history blob into `file`, resuming from what the file already holds. */
export async function downloadHistory(httpUrl: string, blobId: string, file: string, size: number, onBytes: (n: number) => void): Promise<void> {
  const have = existsSync(file) ? statSync(file).size : 0;
  if (have > size) throw new HistoryError('HISTORY_TAMPERED', 'The linked history is longer than announced; linking stopped.');
  if (have === size) return onBytes(size);
  const body = await downloadAttachment(httpUrl, blobId, { offset: have });
  let written = have;
  const limit = new Transform({
    transform(chunk: Buffer, _enc, done) {
      written += chunk.length;
      if (written > size) return done(new HistoryError('HISTORY_TAMPERED', 'The linked history is longer than announced; linking stopped.'));
      onBytes(written);
      done(null, chunk);
    },
  });
  await pipeline(body, limit, createWriteStream(file, { flags: 'a', mode: 0o600 }));
}

function* frames(file: string, key: Uint8Array): Generator<Uint8Array> {
  const bytes = readFileSync(file);
  let offset = 0;
  let index = 0;
  let last = false;
  while (offset < bytes.length) {
    if (last || offset + 4 > bytes.length) throw new HistoryError('HISTORY_TAMPERED', 'The linked history was altered in transit; nothing was imported.');
    const len = new DataView(bytes.buffer, bytes.byteOffset + offset, 4).getUint32(0);
    if (len > LINK_MAX_FRAME_BYTES || offset + 4 + len > bytes.length) throw new HistoryError('HISTORY_TAMPERED', 'The linked history was altered in transit; nothing was imported.');
    const sealed = bytes.subarray(offset + 4, offset + 4 + len);
    let plain: Uint8Array | null = null;
    for (const final of [false, true]) {
      try {
        plain = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, sealed, adFor(index, final), nonceFor(index), key);
        last = final;
        break;
      } catch {
        /* try the other flag */
      }
    }
    if (!plain) throw new HistoryError('HISTORY_TAMPERED', 'The linked history was altered in transit; nothing was imported.');
    offset += 4 + len;
    index++;
    yield inflateRawSync(plain, { maxOutputLength: LINK_MAX_FRAME_BYTES * 8 });
  }
  if (!last) throw new HistoryError('HISTORY_TAMPERED', 'The linked history is incomplete; nothing was imported.');
}

/** Checks the downloaded file against the digest the provisioning message carried. */
export async function verifyHistoryFile(file: string, digest: Uint8Array): Promise<void> {
  await sodium.ready;
  const state = sodium.crypto_generichash_init(null, 32);
  for await (const chunk of createReadStream(file)) sodium.crypto_generichash_update(state, chunk as Buffer);
  if (!sodium.memcmp(sodium.crypto_generichash_final(state, 32), digest)) {
    throw new HistoryError('HISTORY_TAMPERED', 'The linked history was altered in transit; nothing was imported.');
  }
}

/**
 * Checks the file's digest, then imports state and messages in one
 * transaction; any bad frame rolls everything back. Returns the number of
 * messages imported.
 */
export async function importHistory(store: LocalStore, file: string, h: Pick<HistoryFile, 'key' | 'digest'>, onMessages: (n: number) => void): Promise<number> {
  await verifyHistoryFile(file, h.digest);
  let count = 0;
  const decode = (bytes: Uint8Array): unknown => JSON.parse(new TextDecoder().decode(bytes));
  // One transaction for everything, opened by hand so the event loop turns between frames and progress
  // reaches the screen. Nothing else writes to this store yet: it is new, and no Messenger runs on it.
  await store.inAsyncTransaction(async () => {
    let first = true;
    for (const plain of frames(file, h.key)) {
      if (first) importState(store, decode(plain));
      else count += importMessages(store, decode(plain)).written;
      first = false;
      onMessages(count);
      await new Promise((r) => setImmediate(r));
    }
  });
  return count;
}
