/**
 * Telling someone new of a desktop we linked while their first message was
 * on its way. When we link a desktop, we announce it (`devicesChanged`) to
 * our contacts and group members of that moment. Someone whose first
 * message to us (a contact request, a group's creation) was still on its
 * way was neither yet: they sealed it to our device list as they fetched
 * it, and go on writing to that list alone, so the new desktop misses what
 * they send until something else makes them fetch it again (a receipt
 * from a desktop that is online, say). So the device that takes such a
 * first message tells its sender's account, once it knows them.
 */
import { LATE_DEVICE_SLACK_MS } from '../../shared/constants';
import { addressKey, type ProtocolAddress } from '../protocol';
import type { ChatContext } from './context';
import { errorCode, sendContent } from './outgoing';

/**
 * Someone new (`to`: the sending device and their account's other devices
 * we know) reached this device with a message sent at `sentAt`. If one of
 * our other devices was linked since that account could have fetched our
 * list (`sentAt`, less LATE_DEVICE_SLACK_MS for clock skew), it may never
 * have been told of it, so it is told now (`devicesChanged`: it fetches
 * our list, and recording the new device forwards what it sent us late to
 * it, as for any late device). Why bounded by `sentAt`: the sender fetched
 * our list before it sent, so only a device linked since (or within clock
 * skew) can be unknown to it; an unbounded rule would have every
 * multi-desktop member of a large new group write to its author. A failure
 * is recorded; they learn the device with our next change of list.
 */
export async function tellOfLinkedDevices(ctx: ChatContext, to: readonly ProtocolAddress[], sentAt: number): Promise<void> {
  const theirs = to.filter((a) => a.accountId !== ctx.keys.accountId);
  if (theirs.length === 0) return;
  const linked = ctx.store.ownDevices.all().some((d) => !d.isThisDevice && d.linkedAt >= sentAt - LATE_DEVICE_SLACK_MS);
  if (!linked) return;
  const unique = new Map(theirs.map((a) => [addressKey(a), a]));
  await sendContent(ctx, [...unique.values()], { v: 1, type: 'devicesChanged', sentAt: ctx.now() })
    .catch((e: unknown) => ctx.audit('delivery.failed', { reason: errorCode(e), operation: 'devices-told' }));
}

/** The after-commit work for a first message from someone who is a contact only now: tellOfLinkedDevices to their devices. */
export const tellNewContact = (ctx: ChatContext, from: ProtocolAddress, sentAt: number) => (): Promise<void> =>
  tellOfLinkedDevices(ctx, [from, ...ctx.contacts.devices(from.accountId).map((deviceId) => ({ accountId: from.accountId, deviceId }))], sentAt);
