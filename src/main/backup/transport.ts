/**
 * Backup blobs over the relay's HTTP route (src/main/relayClient/blobs.ts),
 * with the download capped at BACKUP_MAX_BLOB_BYTES and the relay client's
 * errors mapped to BackupError codes. Every blob is PUT with the same access
 * key; the relay binds it to each id on first use.
 */
import { Readable } from 'node:stream';
import { BACKUP_MAX_BLOB_BYTES, BACKUP_TRANSFER_IDLE_MS } from '../../shared/constants';
import { getBackup, putBackup } from '../relayClient/blobs';
import { RelayClientError } from '../relayClient/errors';
import { BackupError } from './errors';

function mapError(e: unknown, what: string): BackupError {
  if (e instanceof BackupError) return e;
  if (e instanceof RelayClientError) {
    if (e.code === 'RATE_LIMITED') return new BackupError('BACKUP_RATE_LIMITED', 'The relay refused for now: too many failed backup requests from this address.', { cause: e });
    if (e.code === 'TOO_LARGE') return new BackupError('BACKUP_TOO_LARGE', `The relay refused the backup ${what}: it is too large.`, { cause: e });
  }
  return new BackupError('BACKUP_NETWORK', `The backup ${what} transfer failed: ${e instanceof Error ? e.message : 'unknown error'}.`, { cause: e });
}

/** Downloads a blob, or null if the relay has none under this id and key. Refuses more than `maxBytes`; gives up after `idleMs` without data. */
export async function fetchBlob(httpUrl: string, id: string, authKey: Uint8Array, what: string,
  { maxBytes = BACKUP_MAX_BLOB_BYTES, idleMs = BACKUP_TRANSFER_IDLE_MS } = {}): Promise<Uint8Array | null> {
  let stream: Readable;
  try {
    stream = await getBackup(httpUrl, id, authKey);
  } catch (e) {
    if (e instanceof RelayClientError && e.code === 'NOT_FOUND') return null;
    throw mapError(e, what);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  // Reset on every chunk; a relay that stops sending mid-body is cut off instead of hanging the run.
  let idle: ReturnType<typeof setTimeout> | null = null;
  const arm = (): void => {
    if (idle) clearTimeout(idle);
    idle = setTimeout(() => stream.destroy(new Error('the relay stopped sending')), idleMs);
    idle.unref();
  };
  try {
    arm();
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      arm();
      total += chunk.length;
      if (total > maxBytes) {
        stream.destroy();
        throw new BackupError('BACKUP_TOO_LARGE', `The backup ${what} is larger than ${maxBytes} bytes.`);
      }
      chunks.push(chunk);
    }
  } catch (e) {
    throw mapError(e, what);
  } finally {
    if (idle) clearTimeout(idle);
  }
  return new Uint8Array(Buffer.concat(chunks, total));
}

/** Uploads a blob, creating or replacing it. */
export async function putBlob(httpUrl: string, id: string, authKey: Uint8Array, blob: Uint8Array, what: string): Promise<void> {
  try {
    await putBackup(httpUrl, id, authKey, Readable.from([Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength)]));
  } catch (e) {
    throw mapError(e, what);
  }
}
