/**
 * Group content that arrives before the group state allowing it is kept,
 * not refused (store/groupHeld.ts): a `groupMessage` or `senderKey` for a
 * group this device does not know yet, or from an account that is not a
 * member yet while this device is. Both happen when the update that
 * creates the group or adds the sender is late: it failed to decrypt and
 * waits for its resend, it waited on its author's side for our device
 * list, or a hostile relay reordered the mailbox. groups/receive.ts runs
 * what is held for a group again after each update it adopts for it, in
 * the same transaction; what is still not allowed is held again under its
 * first arrival time, so GROUP_HELD_TTL_MS bounds it (the conversation
 * service's upkeep prunes it). Each hold and each drop is audited, so
 * nothing is lost without a trace.
 */
import { encodeContent, type Content } from '../../shared/wire/content';
import { addressKey, type ProtocolAddress } from '../protocol';
import type { ChatContext, GroupReceived } from '../conversations/context';

/** Why content was held: its group is unknown here, or its sender is not a member (yet). */
export type HeldReason = 'UNKNOWN_GROUP' | 'NOT_A_MEMBER';

/** Keeps `content` for `groupId` from `from` (inside the receive transaction) and audits it; `since` keeps a re-held row's first arrival. */
export function holdGroupContent(ctx: ChatContext, from: ProtocolAddress, groupId: string, content: Content, reason: HeldReason, since?: number): GroupReceived {
  const address = addressKey(from);
  const dropped = ctx.store.groupHeld.hold(groupId, address, encodeContent(content), since);
  if (since === undefined) ctx.audit('group.held', { address, reason });
  if (dropped > 0) ctx.audit('group.held_dropped', { address, reason: 'GROUP_HELD_FULL', count: dropped });
  return { conversationId: from.accountId, content, message: undefined };
}

