/**
 * startRelay: one relay instance on an HTTP server with a WebSocket endpoint
 * at /v1/ws. Embeddable in-process (tests, the app) and run by main.ts.
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import { WebSocketServer } from 'ws';
import * as C from '../shared/constants';
import type { RelayContext, RelayLimits } from './context';
import { deliverProvisioning } from './handlers';
import { handleHttp } from './http';
import { loadRelayIdentity } from './identity';
import { RelayMetrics } from './metrics';
import { TokenBuckets } from './rateLimit';
import { Session } from './session';
import { openSqliteStore } from './store/sqlite';
import type { RelayStore } from './store/types';
import { sodiumReady } from './verify';

/** How to start a relay: where it listens, where it keeps data, which store, TLS, limits and logging. */
export interface RelayOptions {
  readonly port?: number;
  readonly host?: string;
  /** Data directory: the SQLite file (unless `db` is a PostgreSQL URL), attachments and backups. */
  readonly dataDir: string;
  /**
   * File holding the relay's identity key seed (32 bytes). Without it the key
   * is `<dataDir>/relay-identity.key`, made on first start. Instances behind
   * one URL must share one key.
   */
  readonly keyFile?: string;
  /** `postgres://…` to use PostgreSQL instead of the embedded SQLite store. */
  readonly db?: string;
  readonly durability?: 'normal' | 'full';
  readonly tls?: { readonly cert: string; readonly key: string };
  readonly limits?: Partial<RelayLimits>;
  readonly logger?: Logger;
  readonly logLevel?: string;
}

/** A started relay: its URLs and port, its shared context, and how to stop it. */
export interface RunningRelay {
  /** ws:// or wss:// URL of the WebSocket endpoint. */
  readonly url: string;
  /** http:// or https:// base URL for HTTP routes. */
  readonly httpUrl: string;
  readonly port: number;
  /** base64url of the relay's identity public key: what clients pin for its URL. */
  readonly relayKey: string;
  readonly context: RelayContext;
  close(): Promise<void>;
}

/** The limits a relay runs with unless options override them, all from src/shared/constants.ts. */
export const DEFAULT_LIMITS: RelayLimits = {
  maxFrameBytes: C.RELAY_MAX_FRAME_BYTES,
  maxConnectionsPerIp: C.RELAY_MAX_CONNECTIONS_PER_IP,
  sendBucketSize: C.RELAY_SEND_BUCKET_SIZE,
  sendRefillPerSec: C.RELAY_SEND_REFILL_PER_SEC,
  bundleBucketSize: C.RELAY_BUNDLE_BUCKET_SIZE,
  bundleRefillMs: C.RELAY_BUNDLE_REFILL_MS,
  bundleRequesterBucketSize: C.RELAY_BUNDLE_REQUESTER_BUCKET_SIZE,
  bundleRequesterRefillMs: C.RELAY_BUNDLE_REQUESTER_REFILL_MS,
  prekeyTargetBudget: C.RELAY_PREKEY_TARGET_BUDGET,
  prekeyTargetRefillMs: C.RELAY_PREKEY_TARGET_REFILL_MS,
  frameRatePerSec: C.RELAY_FRAME_RATE_PER_SEC,
  frameBurst: C.RELAY_FRAME_BURST,
  authTimeoutMs: C.RELAY_AUTH_TIMEOUT_MS,
  messageTtlMs: C.RELAY_MESSAGE_TTL_MS,
  maxAttachmentBytes: C.RELAY_MAX_ATTACHMENT_BYTES,
  maxBackupBytes: C.RELAY_MAX_BACKUP_BYTES,
  headersTimeoutMs: C.RELAY_HEADERS_TIMEOUT_MS,
  provisioningTtlMs: C.RELAY_PROVISIONING_TTL_MS,
};

async function openStore(options: RelayOptions, log: Logger): Promise<RelayStore> {
  if (options.db && /^postgres(ql)?:\/\//.test(options.db)) {
    const { openPostgresStore } = await import('./store/postgres');
    return openPostgresStore({ connectionString: options.db });
  }
  return openSqliteStore({
    dataDir: options.dataDir, durability: options.durability ?? 'normal',
    onCheckpointFailure: (reason) => log.warn({ reason }, 'WAL checkpoint failed; trying again on the next tick'),
  });
}

/** Starts one relay instance (HTTP and WebSocket on one port) and resolves once it listens. */
export async function startRelay(options: RelayOptions): Promise<RunningRelay> {
  await sodiumReady;
  const limits: RelayLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const log = options.logger ?? pino({ level: options.logLevel ?? 'info', base: { svc: 'parley-relay' } });
  fs.mkdirSync(options.dataDir, { recursive: true });
  const identity = loadRelayIdentity(options.dataDir, options.keyFile);
  const store = await openStore(options, log);
  const ctx: RelayContext = {
    store,
    metrics: new RelayMetrics(),
    log,
    limits,
    dataDir: options.dataDir,
    identity,
    sendBuckets: new TokenBuckets(limits.sendBucketSize, 1000 / limits.sendRefillPerSec),
    bundleBuckets: new TokenBuckets(limits.bundleBucketSize, limits.bundleRefillMs),
    bundleRequesterBuckets: new TokenBuckets(limits.bundleRequesterBucketSize, limits.bundleRequesterRefillMs),
    prekeyBudgets: new TokenBuckets(limits.prekeyTargetBudget, limits.prekeyTargetRefillMs),
    backupGuessBuckets: new TokenBuckets(C.RELAY_BACKUP_GUESS_BUCKET, C.RELAY_BACKUP_GUESS_REFILL_MS),
    sessions: new Map(),
    provisioning: new Map(),
    bulkTokens: new Map(),
    deviceCache: new Map(),
  };

  const unsubscribe = store.subscribe((e) => {
    if (e.kind === 'queued') {
      const set = ctx.sessions.get(e.deviceKey);
      if (set) for (const s of set) s.offer(e.message);
      return;
    }
    if (e.kind === 'provision') {
      void deliverProvisioning(ctx, e.channelId).catch(() => log.warn('provisioning delivery failed'));
      return;
    }
    if (e.kind === 'resync') {
      ctx.deviceCache.clear();
      for (const set of ctx.sessions.values()) for (const s of set) s.pump();
      return;
    }
    ctx.deviceCache.delete(e.accountId);
    void store.getDeviceList(e.accountId).then((list) => {
      const current = new Set(list?.devices.map((d) => d.deviceId));
      for (const [key, set] of ctx.sessions) {
        if (!key.startsWith(`${e.accountId}.`)) continue;
        for (const s of set) if (s.deviceId && !current.has(s.deviceId)) s.revoked(list);
      }
    }, () => log.warn('device list reload failed'));
  });

  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => void handleHttp(req, res, ctx);
  const serverOptions = {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: C.RELAY_REQUEST_TIMEOUT_MS,
    connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
  };
  const server = options.tls
    ? https.createServer({ ...serverOptions, cert: fs.readFileSync(options.tls.cert), key: fs.readFileSync(options.tls.key) }, handler)
    : http.createServer(serverOptions, handler);
  server.keepAliveTimeout = 5_000;
  server.on('clientError', (_err, socket: Socket) => socket.destroy());

  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxFrameBytes, perMessageDeflate: false, clientTracking: false });
  const perIp = new Map<string, number>();
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  server.on('upgrade', (req, socket: Socket, head) => {
    const ip = socket.remoteAddress ?? 'unknown';
    const count = perIp.get(ip) ?? 0;
    if ((req.url ?? '').split('?')[0] !== '/v1/ws') {
      ctx.metrics.reject('NOT_FOUND');
      return void socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
    }
    if (count >= limits.maxConnectionsPerIp) {
      ctx.metrics.reject('RATE_LIMITED');
      return void socket.end('HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\n\r\n');
    }
    perIp.set(ip, count + 1);
    socket.once('close', () => {
      const n = (perIp.get(ip) ?? 1) - 1;
      if (n <= 0) perIp.delete(ip);
      else perIp.set(ip, n);
    });
    const host = req.headers.host ?? '';
    wss.handleUpgrade(req, socket, head, (ws) => {
      ctx.metrics.connections++;
      new Session(ws, host, ctx);
    });
  });

  const cleanup = setInterval(() => {
    const now = Date.now();
    for (const [id, ch] of ctx.provisioning) if (ch.expiresAt <= now) ctx.provisioning.delete(id);
    for (const [t, b] of ctx.bulkTokens) if (b.expiresAt <= now) ctx.bulkTokens.delete(t);
    void store
      .purgeExpired(now)
      .then(async (stats) => {
        for (const id of stats.attachments) await fs.promises.rm(path.join(options.dataDir, 'attachments', id), { force: true });
        ctx.metrics.expiredPurged += stats.messages;
        log.info({ expiredMessages: stats.messages, expiredAttachments: stats.attachments.length, openProvisioning: ctx.provisioning.size }, 'cleanup');
      })
      .catch((e: unknown) => log.error({ err: e instanceof Error ? e.name : 'unknown' }, 'cleanup failed'));
  }, C.RELAY_CLEANUP_INTERVAL_MS);
  cleanup.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const hostPart = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const scheme = options.tls ? 's' : '';
  let closed: Promise<void> | null = null;
  return {
    url: `ws${scheme}://${hostPart}:${addr.port}/v1/ws`,
    httpUrl: `http${scheme}://${hostPart}:${addr.port}`,
    port: addr.port,
    relayKey: identity.keyId,
    context: ctx,
    close() {
      closed ??= (async () => {
        clearInterval(cleanup);
        unsubscribe();
        const done = new Promise<void>((r) => server.close(() => r()));
        for (const s of sockets) s.destroy();
        await done;
        await store.close();
      })();
      return closed;
    },
  };
}
