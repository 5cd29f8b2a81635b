/** Shared state of one relay instance, passed to every connection and HTTP route. */
import type { Logger } from 'pino';
import type { SignedDeviceList } from '../shared/wire/deviceList';
import type { PrekeyCounts } from '../shared/wire/relay';
import type { RelayIdentity } from './identity';
import type { RelayMetrics } from './metrics';
import type { TokenBuckets } from './rateLimit';
import type { DeviceKey, QueuedMessage, RelayStore } from './store/types';

/** The limits one relay instance enforces; DEFAULT_LIMITS takes them from src/shared/constants.ts, tests may lower them. */
export interface RelayLimits {
  readonly maxFrameBytes: number;
  readonly maxConnectionsPerIp: number;
  readonly sendBucketSize: number;
  readonly sendRefillPerSec: number;
  readonly bundleBucketSize: number;
  readonly bundleRefillMs: number;
  /** Fetches one requester may make across all targets (RELAY_BUNDLE_REQUESTER_BUCKET_SIZE). */
  readonly bundleRequesterBucketSize: number;
  readonly bundleRequesterRefillMs: number;
  /** One-time prekey pairs one target hands out across all requesters (RELAY_PREKEY_TARGET_BUDGET). */
  readonly prekeyTargetBudget: number;
  readonly prekeyTargetRefillMs: number;
  readonly frameRatePerSec: number;
  readonly frameBurst: number;
  readonly authTimeoutMs: number;
  readonly messageTtlMs: number;
  readonly maxAttachmentBytes: number;
  readonly maxBackupBytes: number;
  readonly headersTimeoutMs: number;
  readonly provisioningTtlMs: number;
}

/** Something a live connection exposes to the rest of the relay. */
export interface LiveSession {
  /** Pushes queued messages not yet in flight. */
  pump(): void;
  /** A message was queued for this device: push it directly when caught up, else read the queue. */
  offer(message: QueuedMessage | undefined): void;
  /** Closes the connection with a WebSocket close code. */
  close(code: number, reason: string): void;
  /** Pushes the list that no longer contains this device (when there is one), then closes with 4003. */
  revoked(list: SignedDeviceList | null): void;
  readonly accountId: string | null;
  readonly deviceId: string | null;
  deliverProvisioning(channelId: string, payload: string): void;
  /** Tells the device a fetch left it few one-time prekeys (the prekeysLow push). */
  prekeysLow(counts: PrekeyCounts): void;
}

/** Everything the handlers of one relay instance share: store, metrics, log, limits, rate-limit buckets and live sessions. */
export interface RelayContext {
  readonly store: RelayStore;
  readonly metrics: RelayMetrics;
  readonly log: Logger;
  readonly limits: RelayLimits;
  readonly dataDir: string;
  /** The relay's long-term identity key: signs every challenge, and device signatures must cover it. */
  readonly identity: RelayIdentity;
  readonly sendBuckets: TokenBuckets;
  /** Per (requester device, target device) pair. */
  readonly bundleBuckets: TokenBuckets;
  /** Per requester device, across all targets. */
  readonly bundleRequesterBuckets: TokenBuckets;
  /** Per target device, across all requesters: one token per one-time prekey pair handed out. */
  readonly prekeyBudgets: TokenBuckets;
  readonly backupGuessBuckets: TokenBuckets;
  /** Authenticated local connections by device. */
  readonly sessions: Map<DeviceKey, Set<LiveSession>>;
  /** Open provisioning channels on this instance. */
  readonly provisioning: Map<string, { session: LiveSession; expiresAt: number }>;
  /** HTTP bulk-fetch bearer tokens (SHA-256 hex) of this instance. */
  readonly bulkTokens: Map<string, { deviceKey: DeviceKey; expiresAt: number }>;
  /** Verified current device ids per account, invalidated on device-list events. */
  readonly deviceCache: Map<string, ReadonlySet<string>>;
}

/**
 * Whether `deviceId` is in the account's current list. A miss re-reads the
 * store, because the cache may predate a list stored through another
 * instance whose NOTIFY has not arrived yet.
 */
export async function hasDevice(ctx: RelayContext, accountId: string, deviceId: string): Promise<boolean> {
  if ((await currentDevices(ctx, accountId))?.has(deviceId)) return true;
  ctx.deviceCache.delete(accountId);
  return (await currentDevices(ctx, accountId))?.has(deviceId) ?? false;
}

/** The device ids in an account's current signed list (cached per account), or null when it has none. */
export async function currentDevices(ctx: RelayContext, accountId: string): Promise<ReadonlySet<string> | null> {
  const cached = ctx.deviceCache.get(accountId);
  if (cached) return cached;
  const list = await ctx.store.getDeviceList(accountId);
  if (!list) return null;
  const set = new Set(list.devices.map((d) => d.deviceId));
  if (ctx.deviceCache.size > 50_000) ctx.deviceCache.clear();
  ctx.deviceCache.set(accountId, set);
  return set;
}
