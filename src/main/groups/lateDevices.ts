/**
 * Group messages for a member's device we learned of late (the group side
 * of conversations/lateDevices.ts). Ben links a new desktop while our group
 * text to him is in flight: his old desktop gets it after the linking
 * history was sealed, and the upload never named the new one, so the new
 * desktop would never show it, where a 1:1 text is forwarded to it.
 *
 * So each group message we send is logged once (not per device) under its
 * group and sending chain, for RESEND_LOG_TTL_MS like the resend log it
 * lives in. When a member account's new device shows up in its verified
 * list, it gets, in the transaction that records the device: our chain
 * from the first iteration its account was given (never earlier: a new
 * member still reads nothing sent before they joined), then the messages
 * of that chain logged since the device was added (less
 * LATE_DEVICE_SLACK_MS), all logged unsent for it; flushUnsent sends them
 * in that order over the pairwise session, as the pairwise fan-out does.
 * Messages of an older chain (before a member left) are not forwarded:
 * that chain is not given again.
 */
import { LATE_DEVICE_SLACK_MS, STORE_MAX_PENDING_LIST } from '../../shared/constants';
import { encodeContent, parseContent, type Content } from '../../shared/wire/content';
import { fromBase64Url } from '../../shared/wire/encoding';
import { addressKey } from '../protocol';
import type { ChatContext } from '../conversations/context';
import { awaitingDevicesOf, type NewDevice } from '../conversations/lateDevices';
import { loadOwn } from './chainStore';
import { keyContent } from './sending';
import { parseSenderKeyMessage } from './protocol/senderKeyMessage';

/** The resend-log recipient our group messages of one chain are logged under (no account's address has a `#`). */
export const groupLogKey = (groupId: string, chainId: number): string => `${groupId}#${chainId}`;

/** Marks a group-log row as sent: it is never encrypted to anyone as it stands (flushUnsent skips rows with a digest). */
const LOGGED = new Uint8Array(0);

/** The chain iteration of a logged `groupMessage` (its sender-key message header). */
function iterationOf(logged: Uint8Array): number {
  const c = parseContent(logged);
  return c.type === 'groupMessage' ? parseSenderKeyMessage(fromBase64Url(c.message)!).iteration : -1;
}

/** Logs one of our group messages (its `groupMessage` content) under its group and chain; call in the send's transaction. */
export function logGroupMessage(ctx: ChatContext, groupId: string, chainId: number, content: Content, messageId: string | null): void {
  ctx.store.repairs.logSent([{ recipient: groupLogKey(groupId, chainId), digest: LOGGED, content: encodeContent(content), messageId }]);
}

/**
 * For each new device of `accountId`, in every group both of us are in:
 * logs, unsent, our chain from its account's first given iteration and the
 * group messages of that chain sent since the device was added. Call inside
 * the transaction that records the devices; returns how many rows.
 */
export function forwardGroupsToNewDevices(ctx: ChatContext, accountId: string, devices: readonly NewDevice[]): number {
  const { store } = ctx;
  let forwarded = 0;
  for (const groupId of store.groups.ids()) {
    if (store.groups.get(groupId)?.status !== 'member' || !store.groups.member(groupId, accountId)) continue;
    const own = loadOwn(ctx, groupId);
    if (!own) continue;
    const given = store.groups.given(groupId, own.chainId);
    const accountGiven = [...given].filter(([address]) => address.startsWith(`${accountId}.`)).map(([, iteration]) => iteration);
    if (accountGiven.length === 0) continue; // their account never had this chain: the next send gives it from then
    const base = Math.max(own.baseIteration, Math.min(...accountGiven));
    for (const d of devices) {
      if (accountId === ctx.keys.accountId && d.deviceId === ctx.keys.deviceId) continue;
      const recipient = addressKey({ accountId, deviceId: d.deviceId });
      if (given.has(recipient)) continue;
      const recent = store.repairs.loggedFor(groupLogKey(groupId, own.chainId), d.addedAt - LATE_DEVICE_SLACK_MS, STORE_MAX_PENDING_LIST)
        .filter((e) => iterationOf(e.content) >= base);
      if (recent.length === 0) continue;
      store.repairs.logSent([
        { recipient, digest: null, content: encodeContent(keyContent(ctx, groupId, own, base)), messageId: null },
        ...recent.map((e) => ({ recipient, digest: null, content: e.content, messageId: e.messageId })),
      ]);
      store.groups.markGiven(groupId, recipient, own.chainId, base);
      forwarded += recent.length + 1;
    }
  }
  return forwarded;
}

/**
 * Members with no device on record even after learnDevices (their list
 * could not be fetched: offline, or the relay refused), contacts or not:
 * what the group sends them now waits for their list under
 * awaitingDevicesOf(account), as a 1:1 text to such a contact does, and
 * recording the list (a contact's or a member's) logs it for each listed
 * device, in this order (conversations/unsent.ts fetches the list, backing off). Members in
 * `skip` (a retry's confirmed ones), and those for whom message
 * `messageId` already waits (a retry while the first send waits), are
 * left out. Call inside the send's transaction; returns how many accounts
 * wait.
 */
export function logForWaitingMembers(ctx: ChatContext, groupId: string, contents: readonly Content[], messageId: string | null, skip?: ReadonlySet<string>): number {
  const waiting = ctx.store.groups.membersWithoutDevices(groupId, ctx.keys.accountId)
    .filter((a) => !skip?.has(a) && (messageId === null || !ctx.store.repairs.waitsFor(awaitingDevicesOf(a), messageId)));
  if (waiting.length === 0 || contents.length === 0) return 0;
  ctx.store.repairs.logSent(waiting.flatMap((accountId) => contents.map((c) => ({ recipient: awaitingDevicesOf(accountId), digest: null, content: encodeContent(c), messageId }))));
  return waiting.length;
}
