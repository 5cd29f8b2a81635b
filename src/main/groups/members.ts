/**
 * Members as devices and names. A member's devices are a contact's listed
 * devices, this account's other devices, or — for a member who is not a
 * contact — the devices of their signed list as last fetched and verified.
 * A member is shown under the contact name when they are a contact, else
 * under the display name they chose (from their sender-key distribution),
 * else under the name the adding admin gave.
 */
import type { ProtocolAddress } from '../protocol';
import type { ChatContext } from '../conversations/context';
import { errorCode, ownRecipients, refreshDevices } from '../conversations/outgoing';
import { recordMemberList } from '../conversations/lateDevices';
import { flushUnsent } from '../conversations/unsent';
import type { GroupMemberRow } from '../store';

/** Every device of `accountId` a group message goes to (none of this device). */
export function devicesOf(ctx: ChatContext, groupId: string, accountId: string): ProtocolAddress[] {
  if (accountId === ctx.keys.accountId) return ownRecipients(ctx);
  if (ctx.contacts.get(accountId)) return ctx.contacts.devices(accountId).map((deviceId) => ({ accountId, deviceId }));
  const m = ctx.store.groups.member(groupId, accountId);
  return (m?.devices ?? []).map((deviceId) => ({ accountId, deviceId }));
}

/** Every member device of the group's current state, this account's other devices included (one query: see GroupStore.memberDeviceIds). */
export function memberDevices(ctx: ChatContext, groupId: string): ProtocolAddress[] {
  const me = ctx.keys.accountId;
  const own = ownRecipients(ctx);
  let withMe = false;
  const all: ProtocolAddress[] = [];
  for (const m of ctx.store.groups.memberDeviceIds(groupId)) {
    if (m.accountId === me) {
      withMe = true;
      all.push(...own);
    } else for (const deviceId of m.devices) all.push({ accountId: m.accountId, deviceId });
  }
  return withMe ? all : [...all, ...own];
}

/**
 * Fetches (and verifies) the device lists of members who are not contacts,
 * and of contacts with no device on record (one synced from our other
 * desktop before its list was fetched: without this a group made or
 * written to from this desktop reached none of their devices); a failure
 * is recorded and tried at the next send.
 */
export async function learnDevices(ctx: ChatContext, groupId: string, force = false): Promise<void> {
  const client = ctx.link.client;
  if (!client) return;
  for (const accountId of ctx.store.groups.contactsWithoutDevices(groupId)) {
    // Recorded as any contact's list is (recordContactList: waiting content is logged for the devices in that transaction).
    await refreshDevices(ctx, client, accountId).catch((e: unknown) => ctx.audit('devices.refresh_failed', { reason: errorCode(e), accountId }));
  }
  let logged = 0;
  for (const accountId of ctx.store.groups.strangersToLearn(groupId, ctx.keys.accountId, force)) {
    try {
      const list = await client.getDeviceList(accountId);
      // Recorded for every group they are in; content that waited for their list (logForWaitingMembers) is logged for the devices.
      if (ctx.store.db.open) logged += recordMemberList(ctx, accountId, list.devices);
    } catch (e) {
      ctx.audit('devices.refresh_failed', { reason: errorCode(e), accountId });
    }
  }
  if (logged > 0) await flushUnsent(ctx).catch((e: unknown) => ctx.audit('delivery.failed', { reason: errorCode(e) }));
}

/** How a member is shown: contact name, the name they chose, or the admin's name for them; and whether they are a contact. */
export function shownName(ctx: ChatContext, m: GroupMemberRow): { name: string; contact: boolean } {
  if (m.accountId === ctx.keys.accountId) return { name: ctx.displayName(), contact: false };
  const c = ctx.contacts.get(m.accountId);
  return c ? { name: c.name, contact: true } : { name: m.displayName ?? m.name, contact: false };
}

/** The name a non-contact member is shown under in any group, or null. */
export function memberName(ctx: ChatContext, accountId: string): string | null {
  for (const id of ctx.store.groups.ids()) {
    const m = ctx.store.groups.member(id, accountId);
    if (m) return shownName(ctx, m).name;
  }
  return null;
}
