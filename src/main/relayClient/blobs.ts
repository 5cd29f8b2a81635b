/**
 * HTTP blob transfers against the relay, streamed both ways (never fully
 * buffered): encrypted attachments and the encrypted backup. Callers encrypt
 * before upload (src/main/attachments/crypto.ts); the relay only sees
 * ciphertext.
 */
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { toBase64Url } from '../../shared/wire/encoding';
import { RelayClientError } from './errors';

function request(method: 'GET' | 'PUT' | 'DELETE', url: string, token: string, body?: Readable, extraHeaders: Record<string, string> = {}): Promise<http.IncomingMessage> {
  const lib = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const headers = { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/octet-stream' } : {}), ...extraHeaders };
    const req = lib.request(url, { method, headers }, resolve);
    req.on('error', (e) => reject(new RelayClientError('HTTP', `${method} failed: ${e.message}`)));
    if (body) pipeline(body, req).catch((e: Error) => reject(new RelayClientError('HTTP', `upload failed: ${e.message}`)));
    else req.end();
  });
}

async function expectStatus(res: http.IncomingMessage, ok: number): Promise<void> {
  if (res.statusCode === ok) return;
  let text = '';
  for await (const chunk of res) if (text.length < 256) text += String(chunk);
  let code = 'HTTP';
  try {
    code = (JSON.parse(text) as { code: string }).code;
  } catch {
    /* not a relay error body */
  }
  const known = ['TOO_LARGE', 'NOT_FOUND', 'FORBIDDEN', 'RATE_LIMITED', 'NOT_AUTHENTICATED', 'BAD_FRAME', 'RANGE_NOT_SATISFIABLE'] as const;
  throw new RelayClientError(known.find((c) => c === code) ?? 'HTTP', `relay answered ${res.statusCode}`);
}

/** Streams `body` to the upload slot the relay granted (see RelayClient.attachmentUpload). */
export async function uploadAttachment(httpUrl: string, slot: { path: string; uploadToken: string }, body: Readable): Promise<void> {
  const res = await request('PUT', httpUrl + slot.path, slot.uploadToken, body);
  await expectStatus(res, 201);
  res.resume();
}

/**
 * Resolves with a stream of the attachment's ciphertext, from byte `offset` on
 * (default 0, the whole blob): a download that broke off after N bytes resumes
 * with `offset: N` and appends exactly the rest. An offset at or past the end
 * rejects with RANGE_NOT_SATISFIABLE.
 */
export async function downloadAttachment(httpUrl: string, attachmentId: string, options: { readonly offset?: number } = {}): Promise<Readable> {
  const offset = options.offset ?? 0;
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError('offset must be a non-negative integer');
  const res = await request('GET', `${httpUrl}/v1/attachments/${attachmentId}`, '', undefined, offset > 0 ? { range: `bytes=${offset}-` } : {});
  await expectStatus(res, offset > 0 ? 206 : 200);
  if (offset > 0 && !res.headers['content-range']?.startsWith(`bytes ${offset}-`)) {
    res.destroy();
    throw new RelayClientError('BAD_RESPONSE', 'relay answered a different range');
  }
  return res;
}

/** Bulk fetch over HTTP: up to `limit` queued messages with id above `after`. Ack them over the WebSocket. */
export async function fetchQueued(httpUrl: string, token: string, after = '0', limit = 1000): Promise<{ id: string; ts: number; envelope: string }[]> {
  const res = await request('GET', `${httpUrl}/v1/messages?after=${encodeURIComponent(after)}&limit=${limit}`, token);
  await expectStatus(res, 200);
  let text = '';
  for await (const chunk of res) text += String(chunk);
  return (JSON.parse(text) as { messages: { id: string; ts: number; envelope: string }[] }).messages;
}

/** Creates or replaces the backup addressed by `backupId`, proving the right with the derived access key. */
export async function putBackup(httpUrl: string, backupId: string, authKey: Uint8Array, body: Readable): Promise<void> {
  const res = await request('PUT', `${httpUrl}/v1/backups/${backupId}`, toBase64Url(authKey), body);
  await expectStatus(res, 201);
  res.resume();
}

/** Downloads the backup addressed by `backupId`, proving the right with the derived access key. */
export async function getBackup(httpUrl: string, backupId: string, authKey: Uint8Array): Promise<Readable> {
  const res = await request('GET', `${httpUrl}/v1/backups/${backupId}`, toBase64Url(authKey));
  await expectStatus(res, 200);
  return res;
}

/** Deletes the backup blob addressed by `blobId` (a manifest or a segment); false when the relay has none under this id and key. */
export async function deleteBackup(httpUrl: string, blobId: string, authKey: Uint8Array): Promise<boolean> {
  const res = await request('DELETE', `${httpUrl}/v1/backups/${blobId}`, toBase64Url(authKey));
  try {
    await expectStatus(res, 200);
  } catch (e) {
    if (e instanceof RelayClientError && e.code === 'NOT_FOUND') return false;
    throw e;
  }
  res.resume();
  return true;
}
