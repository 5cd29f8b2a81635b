/**
 * Content for a device we learned of late. A contact links a new desktop;
 * until we process their "devices changed" message (or meet the new device
 * some other way), what we send goes only to their older devices. When the
 * new device shows up in their signed list, everything we logged for that
 * account since the device was added (the list's `addedAt`, less
 * LATE_DEVICE_SLACK_MS for clock skew) is logged again for it, unsent, and
 * flushUnsent encrypts it once the device has a bundle (a device still
 * linking has none yet). Receivers keep one copy per message id, so an
 * overlap with the linking history is harmless.
 *
 * The forward is logged in the SAME transaction that records the device.
 * "New" means "not in the stored list", and the stored list is also where a
 * device's identity key is saved (contact_devices): a first message from
 * the new device that commits its session before the forward was logged
 * makes the device look known, and the forward never happens. One
 * transaction for both leaves no such window.
 */
import { LATE_DEVICE_SLACK_MS, STORE_MAX_PENDING_LIST } from '../../shared/constants';
import { parseContent, type Content } from '../../shared/wire/content';
import { addressKey, type ProtocolAddress } from '../protocol';
import type { ChatContext } from './context';

/** Content worth forwarding: what builds the conversation a person sees (not receipts, timers or control messages). */
const FORWARDED: ReadonlySet<string> = new Set(['text', 'edit', 'delete', 'reaction', 'sync', 'groupUpdate']);

/**
 * The devices of `current` (a conversation's recipients read inside the
 * send's transaction) that a send addressed to `recipients` would miss. A
 * send reads its recipients when it is queued, then waits for sessions; a
 * receive in that wait can record a contact's new device and log its
 * forward of everything logged so far, which is not yet this send. Logging
 * the send unsent for the devices returned here, in the send's own
 * transaction, closes that window (flushUnsent sends it after the commit).
 */
export function missedRecipients(content: Content, current: readonly ProtocolAddress[], recipients: readonly ProtocolAddress[]): ProtocolAddress[] {
  if (!FORWARDED.has(content.type)) return [];
  // A one-to-one chat's few devices are compared field by field: the keys' strings cost a send more than the comparison.
  if (current.length * recipients.length <= 64) return current.filter((c) => !recipients.some((r) => r.deviceId === c.deviceId && r.accountId === c.accountId));
  const have = new Set(recipients.map(addressKey));
  return current.filter((r) => !have.has(addressKey(r)));
}

/**
 * The resend-log recipient that stands for "every device of `accountId`,
 * once we know them": content sent to a contact while none of their devices
 * were on record (a desktop just linked whose first fetch of their list
 * failed) is logged under it, unsent. flushUnsent fetches the list for it;
 * recordContactList logs the content again for each listed device.
 */
export const awaitingDevicesOf = (accountId: string): string => `${accountId}.`;

/** Whether a resend-log recipient is an awaitingDevicesOf placeholder (no device id). */
export const isAwaitingDevices = (recipient: string): boolean => recipient.endsWith('.');

/** A device new to us in an account's signed list, with the time the list says it was added. */
export interface NewDevice {
  readonly deviceId: string;
  readonly addedAt: number;
}

/**
 * Logs, unsent, for each new device of `accountId` what we logged for that
 * account since it was added; returns how many rows. Call inside the
 * transaction that records the devices; flushUnsent sends them after it.
 */
export function logForNewDevices(ctx: ChatContext, accountId: string, devices: readonly NewDevice[]): number {
  let forwarded = 0;
  for (const d of devices) {
    if (accountId === ctx.keys.accountId && d.deviceId === ctx.keys.deviceId) continue;
    const recipient = addressKey({ accountId, deviceId: d.deviceId });
    const recent = ctx.store.repairs
      .recentForAccount(accountId, d.addedAt - LATE_DEVICE_SLACK_MS, STORE_MAX_PENDING_LIST)
      .filter((e) => e.recipient !== recipient && FORWARDED.has(parseContent(e.content).type));
    if (recent.length === 0) continue;
    ctx.store.repairs.logSent(recent.map((e) => ({ recipient, digest: null, content: e.content, messageId: e.messageId })));
    forwarded += recent.length;
  }
  // After the group states above (groupUpdate rows): our group messages of the chains their account holds.
  return forwarded + (ctx.groups?.forwardToNewDevices(accountId, devices) ?? 0);
}

/**
 * Records the verified device list of a group member who is not a contact,
 * for every group they are in, in one transaction: sessions with devices it
 * no longer names go, group sends reach the devices it names from now on
 * (a new device gets the sender key on the next send, as a contact's does),
 * and what waited for the account's devices to be known (awaitingDevicesOf:
 * group content sent while their list could not be fetched) is logged for
 * each listed device. Returns how many rows were logged.
 */
export function recordMemberList(ctx: ChatContext, accountId: string, list: readonly NewDevice[]): number {
  const deviceIds = list.map((d) => d.deviceId);
  return ctx.store.db.transaction(() => {
    const before = ctx.store.groups.devicesOf(accountId);
    ctx.groups?.noteDevices(accountId, deviceIds);
    for (const d of before) if (!deviceIds.includes(d)) ctx.store.protocol.deleteSessionSync({ accountId, deviceId: d });
    const late = before.length > 0 ? (ctx.groups?.forwardToNewDevices(accountId, list.filter((d) => !before.includes(d.deviceId))) ?? 0) : 0;
    return late + logWaiting(ctx, accountId, deviceIds);
  })();
}

/** Inside the transaction recording an account's list: what waited for its devices to be known is logged for each listed device, in order; returns how many rows. */
function logWaiting(ctx: ChatContext, accountId: string, deviceIds: readonly string[]): number {
  const waiting = ctx.store.repairs.takeRecipient(awaitingDevicesOf(accountId));
  if (waiting.length === 0) return 0;
  const rows = deviceIds.flatMap((deviceId) => waiting.map((e) => ({ recipient: addressKey({ accountId, deviceId }), digest: null, content: e.content, messageId: e.messageId })));
  ctx.store.repairs.logSent(rows);
  return rows.length;
}

/**
 * Records a contact's verified device list in one transaction: sessions
 * with devices it no longer names go, devices new to us (when we knew some
 * before) get what we sent the account late, and what waited for the
 * account's devices to be known (awaitingDevicesOf) is logged for each
 * listed device. Returns how many forwards were logged (send them with
 * flushUnsent after the commit).
 */
export function recordContactList(ctx: ChatContext, accountId: string, list: readonly NewDevice[]): number {
  const ids = list.map((d) => d.deviceId);
  return ctx.store.db.transaction(() => {
    const before = ctx.contacts.devices(accountId);
    ctx.contacts.setDevices(accountId, ids);
    for (const d of before) if (!ids.includes(d)) ctx.store.protocol.deleteSessionSync({ accountId, deviceId: d });
    const late = before.length > 0 ? logForNewDevices(ctx, accountId, list.filter((d) => !before.includes(d.deviceId))) : 0;
    return late + logWaiting(ctx, accountId, ids);
  })();
}
