/**
 * The relay's storage, one interface with two implementations: embedded
 * SQLite (src/relay/store/sqlite.ts) and PostgreSQL (src/relay/store/postgres.ts).
 * Queued messages carry only recipient device, opaque envelope, server
 * timestamp, id and expiry: no sender identity is persisted.
 */
import type { SignedDeviceList } from '../../shared/wire/deviceList';
import type { PrekeyCounts, WireBundle, WirePrekey } from '../../shared/wire/relay';

/** `${accountId}.${deviceId}`, the key of one device's queue and prekeys. */
export type DeviceKey = string;
/** The DeviceKey of one device of an account. */
export const deviceKeyOf = (accountId: string, deviceId: string): DeviceKey => `${accountId}.${deviceId}`;

/** The account a DeviceKey belongs to (base64url ids hold no '.'). */
export const accountOfDeviceKey = (device: DeviceKey): string => device.slice(0, device.indexOf('.'));

/**
 * enqueue refuses a send that names a revoked device: checked inside the
 * enqueue transaction, so a list update that revokes the device commits
 * either before (the send is refused) or after (its queue deletion removes
 * what the send queued). The relay answers UNKNOWN_DEVICE.
 */
export class RevokedRecipient extends Error {
  constructor(readonly device: DeviceKey) {
    super('a recipient device was revoked');
  }
}

/** The devices `previous` had and `next` lacks: the ones a newly stored list revokes. */
export function revokedBy(previous: SignedDeviceList | null, next: SignedDeviceList): DeviceKey[] {
  const kept = new Set(next.devices.map((d) => d.deviceId));
  return (previous?.devices ?? []).filter((d) => !kept.has(d.deviceId)).map((d) => deviceKeyOf(next.accountId, d.deviceId));
}

/** Which accounts' lists name one device id: now (`listed`) and in the past (`former`). */
export interface DeviceAccounts {
  readonly listed: string[];
  readonly former: string[];
}

/** Groups index rows (device id, account id, listed) by device id. */
export function groupAccounts(rows: readonly { device: string; account: string; listed: boolean }[]): Map<string, DeviceAccounts> {
  const out = new Map<string, DeviceAccounts>();
  for (const r of rows) {
    let e = out.get(r.device);
    if (!e) out.set(r.device, (e = { listed: [], former: [] }));
    (r.listed ? e.listed : e.former).push(r.account);
  }
  return out;
}

/** Prekey kinds a device has exactly one of, replaced on upload. */
export type SignedKind = 'signedEc' | 'lastResortKem';
/** Prekey kinds a device uploads in batches and the relay hands out once each. */
export type OneTimeKind = 'oneTimeEc' | 'oneTimeKem';

/** One message waiting in a device's queue: its id, opaque envelope and server receive time. */
export interface QueuedMessage {
  /** Decimal string of a monotonically assigned integer id. */
  readonly id: string;
  /** Server receive time, ms since the epoch. */
  readonly ts: number;
  /** Opaque base64url envelope. */
  readonly envelope: string;
}

/** One envelope of a send, addressed to one recipient device. */
export interface OutgoingItem {
  readonly deviceKey: DeviceKey;
  readonly envelope: string;
}

/** What the store tells every relay instance: a queue got a message, a provisioning payload arrived, a device list changed, or events were missed. */
export type StoreEvent =
  | { readonly kind: 'queued'; readonly deviceKey: DeviceKey; /** Present when the event comes from this process, so live delivery needs no read. */ readonly message?: QueuedMessage }
  /** Events may have been missed (the PostgreSQL LISTEN connection was re-established). */
  | { readonly kind: 'resync' }
  /** A payload was posted to a provisioning channel; the instance holding the channel takes it. */
  | { readonly kind: 'provision'; readonly channelId: string }
  | { readonly kind: 'deviceList'; readonly accountId: string };

/** One attachment blob's row: the hash of its upload token, its size once complete, and its expiry. */
export interface AttachmentRecord {
  readonly id: string;
  readonly tokenHash: string;
  readonly size: number | null;
  readonly expiresAt: number;
}

/** One encrypted backup's row: the hash of its auth key, its size and when it was written. */
export interface BackupRecord {
  readonly id: string;
  readonly authHash: string;
  readonly size: number;
  readonly updatedAt: number;
}

/** A bundle handed out, and the one-time prekeys its device has left after it. */
export interface TakenBundle {
  readonly bundle: WireBundle;
  readonly left: PrekeyCounts;
  /** True when this fetch consumed at least one one-time prekey. */
  readonly consumed: boolean;
}

/** What one cleanup pass deleted: the number of expired messages and the attachment ids whose files to remove. */
export interface PurgeStats {
  readonly messages: number;
  readonly attachments: string[];
}

/** The relay's storage: device lists, prekeys, message queues, attachments, backups and provisioning channels, in SQLite or PostgreSQL. */
export interface RelayStore {
  readonly kind: 'sqlite' | 'postgres';
  getDeviceList(accountId: string): Promise<SignedDeviceList | null>;
  /**
   * Stores `list` only if it is the stored one's exact successor (version + 1); 'stale' otherwise.
   * In the same transaction, every device the previous list had and this one
   * lacks is revoked: its prekeys and queue are deleted and it is recorded as
   * revoked (a device the list contains is no longer). Emits a deviceList event.
   * 'superseded' when the account key was replaced (supersedeAccount): nothing is stored.
   */
  putDeviceList(list: SignedDeviceList): Promise<'ok' | 'stale' | 'superseded'>;
  /**
   * Records that `accountId`'s key was replaced by `newAccountId` ("Remove and
   * secure", docs/protocol.md §6.8), unless it already was ('already'). From
   * then on putDeviceList refuses every list of `accountId` ('superseded');
   * serialised with putDeviceList per account, so no list lands after it.
   */
  supersedeAccount(accountId: string, newAccountId: string, now: number): Promise<'ok' | 'already'>;
  /** The account key that replaced `accountId`, or null while it is not superseded. */
  supersededBy(accountId: string): Promise<string | null>;
  /**
   * The device → account index (relay migration 5), for a multi-recipient
   * send: per device id asked, the accounts whose current list names it and
   * those whose list once did. Ids no account ever listed are absent.
   */
  accountsOf(deviceIds: readonly string[]): Promise<Map<string, DeviceAccounts>>;
  /** Whether `device` was dropped from its account's list by a newer one (and not added back since). */
  isRevoked(device: DeviceKey): Promise<boolean>;
  setSignedPrekey(device: DeviceKey, kind: SignedKind, key: WirePrekey): Promise<void>;
  /** Adds one-time prekeys unless the stored count would exceed `max`; replaces same-id keys. */
  addOneTimePrekeys(device: DeviceKey, kind: OneTimeKind, keys: readonly WirePrekey[], max: number): Promise<'ok' | 'too-many'>;
  countPrekeys(device: DeviceKey): Promise<PrekeyCounts>;
  /**
   * Hands out the bundle, consuming at most one one-time key of each kind atomically
   * (none when `oneTime` is false: the target's budget is spent); null when no signed keys.
   */
  takeBundle(accountId: string, deviceId: string, oneTime: boolean): Promise<TakenBundle | null>;
  /**
   * Durably queues every item in one transaction; resolves with their ids after commit. Emits queued events.
   * Rejects with RevokedRecipient, queuing nothing, when an item's device is revoked (checked in that transaction).
   */
  enqueue(items: readonly OutgoingItem[], now: number, expiresAt: number): Promise<string[]>;
  /** Unexpired messages of `device` with id above `afterId` (decimal), oldest first. */
  pending(device: DeviceKey, limit: number, now: number, afterId?: string): Promise<QueuedMessage[]>;
  /** Deletes acknowledged messages of this device only; resolves with how many were deleted. */
  ack(device: DeviceKey, ids: readonly string[]): Promise<number>;
  queueDepth(): Promise<number>;
  /** How many unexpired messages wait for `device` (the backlog push, so a client can show its catch-up progress). */
  pendingCount(device: DeviceKey, now: number): Promise<number>;
  createAttachment(record: AttachmentRecord): Promise<void>;
  getAttachment(id: string): Promise<AttachmentRecord | null>;
  completeAttachment(id: string, size: number): Promise<void>;
  getBackup(id: string): Promise<BackupRecord | null>;
  putBackup(record: BackupRecord): Promise<void>;
  /** Removes a backup's row (the caller removes its file); false when there was none. */
  deleteBackup(id: string): Promise<boolean>;
  openProvisioning(channelId: string, expiresAt: number): Promise<void>;
  /** Posts the one payload of an open, unexpired channel; false if there is none or it already has one. Emits a provision event. */
  postProvisioning(channelId: string, payload: string, now: number): Promise<boolean>;
  /** Removes the channel and returns its payload, or null if none was posted. */
  takeProvisioning(channelId: string): Promise<string | null>;
  /** Deletes expired messages and attachment records; returns counts and the attachment ids to delete from disk. */
  purgeExpired(now: number): Promise<PurgeStats>;
  subscribe(listener: (event: StoreEvent) => void): () => void;
  close(): Promise<void>;
}
