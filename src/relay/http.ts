/**
 * HTTP routes: /healthz, /metrics, and streamed attachment and backup blobs.
 * Bodies are piped to disk with a running byte count and cut off at the cap,
 * never buffered whole. Blobs are opaque ciphertext to the relay. Attachment
 * downloads accept one byte range (`Range: bytes=N-` or `bytes=N-M`), so an
 * interrupted download resumes where it stopped.
 */
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { timingSafeEqual } from 'node:crypto';
import { RELAY_BULK_FETCH_MAX } from '../shared/constants';
import { fromBase64Url } from '../shared/wire/encoding';
import type { RelayContext } from './context';
import { sha256Hex } from './handlers';

const ATTACHMENT_PATH = /^\/v1\/attachments\/([A-Za-z0-9_-]{22})$/;
const BACKUP_PATH = /^\/v1\/backups\/([A-Za-z0-9_-]{22,43})$/;

class ByteCap extends Transform {
  bytes = 0;
  constructor(private readonly cap: number) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.cap) return done(new Error('too large'));
    done(null, chunk);
  }
}

function reply(res: ServerResponse, status: number, code: string, ctx: RelayContext, headers: Record<string, string> = {}): void {
  if (status >= 400) ctx.metrics.reject(code);
  if (res.headersSent) return void res.destroy();
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify({ v: 1, code }));
}

const bearer = (req: IncomingMessage): string | null => {
  const h = req.headers.authorization;
  return h?.startsWith('Bearer ') ? h.slice(7) : null;
};

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Streams the request body into `finalPath` through a temp file, refusing past `cap` bytes. */
async function receive(req: IncomingMessage, finalPath: string, cap: number): Promise<number> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > cap) throw new Error('too large');
  const tmp = `${finalPath}.${process.pid}.${Date.now()}.part`;
  const counter = new ByteCap(cap);
  try {
    await pipeline(req, counter, fs.createWriteStream(tmp, { flags: 'wx' }));
    await fs.promises.rename(tmp, finalPath);
    return counter.bytes;
  } catch (e) {
    await fs.promises.rm(tmp, { force: true });
    throw e;
  }
}

/** An inclusive byte range of a blob, inside it. */
type ByteRange = { readonly start: number; readonly end: number };

/**
 * The one range a `Range` header asks of a blob of `size` bytes: the whole blob
 * without a header, 'malformed' for anything but one `bytes=N-` or `bytes=N-M`
 * (N ≤ M, 15 digits at most), 'unsatisfiable' when N is not inside the blob.
 */
function byteRange(header: string | undefined, size: number): ByteRange | 'malformed' | 'unsatisfiable' | null {
  if (header === undefined) return null;
  const m = /^bytes=(\d{1,15})-(\d{0,15})$/i.exec(header.trim());
  if (!m) return 'malformed';
  const start = Number(m[1]);
  const last = m[2] === '' ? Infinity : Number(m[2]);
  if (last < start) return 'malformed';
  if (start >= size) return 'unsatisfiable';
  return { start, end: Math.min(last, size - 1) };
}

/**
 * Streams `file`, or the given range of it, from disk; the body is never held in memory whole.
 * `range` undefined: the route has no range support (a Range header is ignored, as RFC 9110 allows).
 */
async function sendFile(res: ServerResponse, file: string, size: number, range?: ByteRange | null): Promise<void> {
  const headers = { 'content-type': 'application/octet-stream', 'cache-control': 'no-store', ...(range === undefined ? {} : { 'accept-ranges': 'bytes' }) };
  if (!range) {
    res.writeHead(200, { ...headers, 'content-length': String(size) });
    return pipeline(fs.createReadStream(file), res);
  }
  res.writeHead(206, { ...headers, 'content-length': String(range.end - range.start + 1), 'content-range': `bytes ${range.start}-${range.end}/${size}` });
  await pipeline(fs.createReadStream(file, { start: range.start, end: range.end }), res);
}

async function attachments(req: IncomingMessage, res: ServerResponse, ctx: RelayContext, id: string): Promise<void> {
  const dir = path.join(ctx.dataDir, 'attachments');
  const file = path.join(dir, id);
  const rec = await ctx.store.getAttachment(id);
  if (req.method === 'PUT') {
    const token = bearer(req);
    if (!rec || !token || rec.size !== null || !sameHash(sha256Hex(token), rec.tokenHash)) return reply(res, 403, 'FORBIDDEN', ctx);
    await fs.promises.mkdir(dir, { recursive: true });
    let size: number;
    try {
      size = await receive(req, file, ctx.limits.maxAttachmentBytes);
    } catch {
      return reply(res, 413, 'TOO_LARGE', ctx);
    }
    await ctx.store.completeAttachment(id, size);
    return reply(res, 201, 'OK', ctx);
  }
  if (req.method === 'GET') {
    if (!rec || rec.size === null || rec.expiresAt <= Date.now()) return reply(res, 404, 'NOT_FOUND', ctx);
    const range = byteRange(req.headers.range, rec.size);
    if (range === 'malformed') return reply(res, 400, 'BAD_FRAME', ctx);
    if (range === 'unsatisfiable') return reply(res, 416, 'RANGE_NOT_SATISFIABLE', ctx, { 'content-range': `bytes */${rec.size}` });
    return sendFile(res, file, rec.size, range);
  }
  reply(res, 405, 'BAD_FRAME', ctx);
}

/** Backups: the id and the auth key are both derived from the recovery key; wrong keys and missing backups look the same. */
async function backups(req: IncomingMessage, res: ServerResponse, ctx: RelayContext, id: string, ip: string): Promise<void> {
  const authKey = bearer(req);
  const key = authKey ? fromBase64Url(authKey) : null;
  if (!key || key.length !== 32) return reply(res, 401, 'NOT_AUTHENTICATED', ctx);
  const rec = await ctx.store.getBackup(id);
  const authHash = sha256Hex(key);
  const ok = rec !== null && sameHash(authHash, rec.authHash);
  if (!ok && (rec !== null || req.method === 'GET') && !ctx.backupGuessBuckets.take(ip)) return reply(res, 429, 'RATE_LIMITED', ctx);
  const dir = path.join(ctx.dataDir, 'backups');
  const file = path.join(dir, id);
  if (req.method === 'GET') {
    if (!ok) return reply(res, 404, 'NOT_FOUND', ctx);
    return sendFile(res, file, rec.size);
  }
  if (req.method === 'PUT') {
    if (rec && !ok) return reply(res, 404, 'NOT_FOUND', ctx);
    await fs.promises.mkdir(dir, { recursive: true });
    let size: number;
    try {
      size = await receive(req, file, ctx.limits.maxBackupBytes);
    } catch {
      return reply(res, 413, 'TOO_LARGE', ctx);
    }
    await ctx.store.putBackup({ id, authHash, size, updatedAt: Date.now() });
    return reply(res, 201, 'OK', ctx);
  }
  if (req.method === 'DELETE') {
    // Retiring a backup ("Remove and secure", docs/protocol.md §6.8): the row goes first, so a failed unlink leaves nothing served.
    if (!ok) return reply(res, 404, 'NOT_FOUND', ctx);
    await ctx.store.deleteBackup(id);
    await fs.promises.rm(file, { force: true });
    return reply(res, 200, 'OK', ctx);
  }
  reply(res, 405, 'BAD_FRAME', ctx);
}

/** GET /v1/messages?after=ID&limit=N: this device's queued messages, oldest first; acks stay on the WebSocket. */
async function bulkFetch(req: IncomingMessage, res: ServerResponse, ctx: RelayContext): Promise<void> {
  const token = bearer(req);
  const grant = token ? ctx.bulkTokens.get(sha256Hex(token)) : undefined;
  if (!grant || grant.expiresAt <= Date.now()) return reply(res, 401, 'NOT_AUTHENTICATED', ctx);
  const params = new URL(req.url ?? '/', 'http://relay').searchParams;
  const after = params.get('after') ?? '0';
  const limit = Number(params.get('limit') ?? RELAY_BULK_FETCH_MAX);
  if (!/^[0-9]{1,18}$/.test(after) || !Number.isInteger(limit) || limit < 1 || limit > RELAY_BULK_FETCH_MAX) return reply(res, 400, 'BAD_FRAME', ctx);
  const messages = await ctx.store.pending(grant.deviceKey, limit, Date.now(), after);
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify({ v: 1, messages }));
}

/** Routes one HTTP request: health, metrics, attachment and backup blobs, provisioning and bulk message fetch. */
export async function handleHttp(req: IncomingMessage, res: ServerResponse, ctx: RelayContext): Promise<void> {
  const url = (req.url ?? '/').split('?')[0]!;
  const ip = req.socket.remoteAddress ?? 'unknown';
  try {
    if (url === '/healthz' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      return void res.end('ok\n');
    }
    if (url === '/metrics' && req.method === 'GET') {
      const depth = await ctx.store.queueDepth();
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      return void res.end(ctx.metrics.render(depth));
    }
    if (url === '/v1/messages' && req.method === 'GET') return await bulkFetch(req, res, ctx);
    const att = ATTACHMENT_PATH.exec(url);
    if (att) return await attachments(req, res, ctx, att[1]!);
    const bak = BACKUP_PATH.exec(url);
    if (bak) return await backups(req, res, ctx, bak[1]!, ip);
    reply(res, 404, 'NOT_FOUND', ctx);
  } catch (e) {
    ctx.log.warn({ route: url.split('/')[2] ?? url, err: e instanceof Error ? e.name : 'unknown' }, 'http request failed');
    reply(res, 500, 'INTERNAL', ctx);
  }
}
