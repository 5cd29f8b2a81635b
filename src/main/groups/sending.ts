/**
 * The group send path. Before a group message, this device makes sure its
 * sending chain is fresh (a new one after anyone left or was removed) and
 * that every member device has it: a device not yet given the current chain
 * gets a sender-key distribution over its pairwise session first (an own
 * device that lacks it also gets the group's state). Then the content is
 * encrypted once and handed to the GroupDelivery. Receipts go pairwise, to
 * the devices of each message's author only (read ones also to our other
 * devices, which mark the messages read); typing signals pairwise to the
 * other members' devices. Sends of one group run one at a time, so a chain
 * is never used twice for one iteration.
 */
import { GROUP_UPDATE_MAX_BYTES, MAX_GROUP_TYPING_DEVICES } from '../../shared/constants';
import { encodeContent, type Content } from '../../shared/wire/content';
import { fromBase64Url, toBase64Url } from '../../shared/wire/encoding';
import { addressKey, type ProtocolAddress } from '../protocol';
import type { NewMessage } from '../store';
import type { ChatContext } from '../conversations/context';
import { errorCode, ownRecipients, sendContent } from '../conversations/outgoing';
import { currentState, loadOwn, saveOwn, storedVersions } from './chainStore';
import type { GroupDelivery } from './delivery';
import { GroupError } from './errors';
import { devicesOf, learnDevices, memberDevices } from './members';
import { distributionOf } from './protocol/distribution';
import { groupEncrypt } from './protocol/groupChain';
import { newOwnChain, type OwnChain } from './protocol/senderKey';
import { signVersion, versionHash, type Change, type GroupState } from './protocol/groupState';
import { adoptVersions } from './receive';
import { logForWaitingMembers, logGroupMessage } from './lateDevices';
import { flushUnsent } from '../conversations/unsent';

const queues = new WeakMap<ChatContext, Map<string, Promise<unknown>>>();

/** Runs `fn` after every earlier send of the same group. */
function serialized<T>(ctx: ChatContext, groupId: string, fn: () => Promise<T>): Promise<T> {
  const byGroup = queues.get(ctx) ?? new Map<string, Promise<unknown>>();
  queues.set(ctx, byGroup);
  const run = (byGroup.get(groupId) ?? Promise.resolve()).catch(() => undefined).then(fn);
  byGroup.set(groupId, run);
  return run;
}

/**
 * This member's group-state update, and the master key unless withheld, as
 * one or more groupUpdate contents of at most GROUP_UPDATE_MAX_BYTES of
 * versions each, in chain order: the whole chain when it fits one content
 * (a device that missed a version catches up from any update), else the
 * versions above `sinceHeight` (what a device told up to there lacks).
 */
export function updateContents(ctx: ChatContext, groupId: string, withKey: boolean, sinceHeight = 0): Content[] {
  const s = currentState(ctx, groupId)!;
  const key = ctx.store.groups.get(groupId)?.masterKey ?? null;
  const masterKey = withKey && key ? toBase64Url(key) : null;
  const all = s.chain.map((v) => ({ height: v.height, json: JSON.stringify(v) }));
  const whole = all.reduce((n, v) => n + v.json.length, 0) <= GROUP_UPDATE_MAX_BYTES;
  return updateParts(ctx, groupId, masterKey, (whole ? all : all.filter((x) => x.height > sinceHeight)).map((x) => x.json));
}

/** Versions (JSON, in chain order) as groupUpdate contents of at most GROUP_UPDATE_MAX_BYTES of versions each. */
export function updateParts(ctx: ChatContext, groupId: string, masterKey: string | null, jsons: readonly string[]): Content[] {
  const parts: string[][] = [];
  let size = GROUP_UPDATE_MAX_BYTES;
  for (const json of jsons) {
    if (size + json.length > GROUP_UPDATE_MAX_BYTES) {
      parts.push([]);
      size = 0;
    }
    parts.at(-1)!.push(json);
    size += json.length;
  }
  return parts.map((versions) => ({ v: 1, type: 'groupUpdate', group: groupId, masterKey, versions, sentAt: ctx.now() }));
}

/** Sends the state update (see updateContents) to `to`; the parts are queued in one turn, so every device gets them in order. */
export async function sendUpdate(ctx: ChatContext, to: readonly ProtocolAddress[], groupId: string, withKey: boolean, sinceHeight = 0): Promise<void> {
  if (to.length === 0) return;
  await Promise.all(updateContents(ctx, groupId, withKey, sinceHeight).map((c) => sendContent(ctx, to, c)));
}

/** The group's whole chain (with the master key) for contacts with no device on record yet, sent when their list comes (lateDevices.ts). */
export async function updateWaitingMembers(ctx: ChatContext, groupId: string): Promise<void> {
  if (ctx.store.db.transaction(() => logForWaitingMembers(ctx, groupId, updateContents(ctx, groupId, true), null))() === 0) return;
  await flushUnsent(ctx).catch((e: unknown) => ctx.audit('delivery.failed', { reason: errorCode(e) }));
}

/** The sender-key distribution content of `own` from `iteration`. */
export function keyContent(ctx: ChatContext, groupId: string, own: OwnChain, iteration: number): Content {
  return { v: 1, type: 'senderKey', group: groupId, name: ctx.displayName(), distribution: toBase64Url(distributionOf(own, iteration)), sentAt: ctx.now() };
}

/** The current chain, replaced by a fresh one when a member left since it was made. */
function freshChain(ctx: ChatContext, groupId: string): OwnChain {
  const row = ctx.store.groups.get(groupId)!;
  const own = loadOwn(ctx, groupId);
  if (own && !row.rotate) return own;
  const next = newOwnChain();
  ctx.store.db.transaction(() => {
    saveOwn(ctx, groupId, next);
    ctx.store.groups.setRotate(groupId, false);
  })();
  if (own) ctx.audit('group.key_rotated', { reason: 'member-left' });
  return next;
}

/** A send again of one of our group messages, to the members who did not confirm it only. */
export interface GroupResend {
  readonly messageId: string;
  /** The member accounts whose delivery receipt for it came: none of their devices gets it again. */
  readonly confirmed: ReadonlySet<string>;
}

/** Sends conversation content to a group (see the file comment); `resend` narrows it to some devices, for a message already stored. */
export function sendToGroup(ctx: ChatContext, delivery: GroupDelivery, groupId: string, content: Content, row?: NewMessage, inSameTransaction?: () => void, resend?: GroupResend): Promise<void> {
  if (content.type === 'typing') return sendTyping(ctx, groupId, content);
  if (content.type === 'receipt') return sendReceipts(ctx, groupId, content, inSameTransaction);
  const g = ctx.store.groups.get(groupId);
  if (!g) throw new GroupError('GROUP_UNKNOWN', 'There is no such group.');
  if (g.status !== 'member') throw new GroupError('GROUP_NOT_MEMBER', 'You are no longer a member of this group.');
  // Still 'member' but not listed: this account's key changed (a rotated phrase) and no admin has added the new one yet (protocol §8.7).
  if (ctx.store.groups.member(groupId, ctx.keys.accountId) === null) throw new GroupError('GROUP_NOT_MEMBER', 'Your safety number changed: an admin of this group must add your new key before you can write to it.');
  return serialized(ctx, groupId, async () => {
    await learnDevices(ctx, groupId);
    const devices = memberDevices(ctx, groupId).filter((d) => !resend?.confirmed.has(d.accountId));
    const own = freshChain(ctx, groupId);
    const given = ctx.store.groups.given(groupId, own.chainId);
    const missing = devices.filter((d) => !given.has(addressKey(d)));
    const ownMissing = missing.filter((d) => d.accountId === ctx.keys.accountId);
    await sendUpdate(ctx, ownMissing, groupId, true);
    if (missing.length > 0) {
      await sendContent(ctx, missing, keyContent(ctx, groupId, own, own.iteration), undefined, undefined, undefined, () => {
        for (const d of missing) ctx.store.groups.markGiven(groupId, addressKey(d), own.chainId, own.iteration);
      });
    }
    const inner = { ...content, group: groupId } as Content;
    const sealed = groupEncrypt(own, fromBase64Url(groupId)!, encodeContent(inner));
    // The chain step commits with the message row (and its upload): a send that never commits never used its iteration.
    let waiting = 0;
    const commit = (): void => {
      saveOwn(ctx, groupId, sealed.own);
      const logged: Content = { v: 1, type: 'groupMessage', group: groupId, message: toBase64Url(sealed.message), sentAt: content.sentAt };
      logGroupMessage(ctx, groupId, own.chainId, logged, resend?.messageId ?? row?.id ?? null);
      // Contacts with no device on record yet get the chain and the message when their list comes (lateDevices.ts); a retry too,
      // for those who did not confirm it and for whom the first send no longer waits.
      waiting = logForWaitingMembers(ctx, groupId, [keyContent(ctx, groupId, own, own.iteration), logged], resend?.messageId ?? row?.id ?? null, resend?.confirmed);
      inSameTransaction?.();
    };
    await delivery.deliver({ groupId, recipients: devices, message: sealed.message, sentAt: content.sentAt, row, messageId: resend?.messageId, inSameTransaction: commit });
    if (waiting > 0) await flushUnsent(ctx).catch((e: unknown) => ctx.audit('delivery.failed', { reason: errorCode(e) }));
  });
}

/**
 * A typing signal goes pairwise to the other members' devices (not ours),
 * like 1:1 typing: shown, never stored, not logged for resending; skipped
 * for a group over MAX_GROUP_TYPING_DEVICES devices or one we left.
 */
async function sendTyping(ctx: ChatContext, groupId: string, typing: Extract<Content, { type: 'typing' }>): Promise<void> {
  if (ctx.store.groups.get(groupId)?.status !== 'member') return;
  const to = memberDevices(ctx, groupId).filter((d) => d.accountId !== ctx.keys.accountId);
  if (to.length === 0 || to.length > MAX_GROUP_TYPING_DEVICES) return;
  await sendContent(ctx, to, { ...typing, group: groupId });
}

/** Delivery and read receipts go to the author of each message only (their devices), never to the whole group; read ones also to our other devices. */
async function sendReceipts(ctx: ChatContext, groupId: string, receipt: Extract<Content, { type: 'receipt' }>, inSameTransaction?: () => void): Promise<void> {
  const byAuthor = new Map<string, string[]>();
  for (const id of receipt.targets) {
    const m = ctx.store.messages.get(id);
    if (!m || m.conversationId !== groupId || m.direction !== 'in') continue;
    byAuthor.set(m.sender, [...(byAuthor.get(m.sender) ?? []), id]);
  }
  let settle = inSameTransaction;
  const sends: Promise<void>[] = [];
  for (const [author, targets] of byAuthor) {
    const to: ProtocolAddress[] = devicesOf(ctx, groupId, author);
    sends.push(sendContent(ctx, to, { ...receipt, group: groupId, targets }, undefined, undefined, undefined, settle));
    settle = undefined;
  }
  // Read on this desktop: our other desktops mark the same messages read (a sync transcript, as for 1:1).
  const read = receipt.kind === 'read' ? [...byAuthor.values()].flat() : [];
  const own = ownRecipients(ctx);
  if (read.length > 0 && own.length > 0) sends.push(sendContent(ctx, own, { ...receipt, group: groupId, targets: read }, undefined, groupId));
  if (settle) ctx.store.db.transaction(settle)();
  await Promise.all(sends);
}

/**
 * A member device said our group message in chain `chainId` did not
 * decrypt there: give it our current chain again from the iteration it was
 * first given (never earlier), or from now if the distribution never went.
 * A superseded chain, or a device that is not a member's, is refused.
 */
export async function redistribute(ctx: ChatContext, from: ProtocolAddress, groupId: string, chainId: number): Promise<void> {
  const own = loadOwn(ctx, groupId);
  const isMemberDevice = memberDevices(ctx, groupId).some((d) => addressKey(d) === addressKey(from));
  if (!own || own.chainId !== chainId || !isMemberDevice || ctx.store.groups.get(groupId)?.status !== 'member') {
    ctx.audit('group.key_request_refused', { address: addressKey(from), reason: !own || own.chainId !== chainId ? 'OLD_CHAIN' : 'NOT_A_MEMBER_DEVICE' });
    return;
  }
  const from0 = ctx.store.groups.given(groupId, chainId).get(addressKey(from)) ?? own.iteration;
  await sendContent(ctx, [from], keyContent(ctx, groupId, own, from0), undefined, undefined, undefined, () => ctx.store.groups.markGiven(groupId, addressKey(from), own.chainId, from0));
}

/** What is left of one of our membership changes that lost a fork: null when the winning chain already did it. */
function stillWanted(c: Change, s: GroupState, me: string): Change | null {
  const ids = new Set(s.members.map((m) => m.accountId));
  switch (c.type) {
    case 'leave':
      return ids.has(me) ? c : null;
    case 'remove': {
      const left = c.accountIds.filter((id) => ids.has(id));
      return left.length > 0 ? { type: 'remove', accountIds: left } : null;
    }
    case 'add': {
      const left = c.members.filter((m) => !ids.has(m.accountId));
      return left.length > 0 ? { type: 'add', members: left } : null;
    }
    default:
      return null; // a rename, timer or admin change that lost is settled by the fork choice
  }
}

/**
 * After a fork choice, signs again on the winning head each membership
 * change of ours (leave, remove, add) that lost and is not done yet, so an
 * intent is never dropped by a concurrent change; every member is told.
 */
export async function reapplyLost(ctx: ChatContext, groupId: string): Promise<void> {
  const me = ctx.keys.accountId;
  const s = currentState(ctx, groupId);
  if (!s) return;
  const onChain = new Set(s.chain.map(versionHash));
  const lost = storedVersions(ctx, groupId).filter((v) => v.author === me && !onChain.has(versionHash(v)));
  let state = s.state;
  const before = memberDevices(ctx, groupId);
  let changed = false;
  for (const v of lost) {
    const want = stillWanted(v.change, state, me);
    const author = state.members.find((m) => m.accountId === me);
    if (!want || !author || (want.type !== 'leave' && author.role !== 'admin')) continue;
    const next = signVersion(state, groupId, me, ctx.keys.accountSigner.secretKey, want);
    ctx.store.db.transaction(() => adoptVersions(ctx, groupId, [next], null))();
    state = currentState(ctx, groupId)!.state;
    changed = true;
  }
  if (!changed) return;
  const status = ctx.store.groups.get(groupId)?.status;
  const members = status === 'member' ? memberDevices(ctx, groupId) : before;
  await sendUpdate(ctx, members, groupId, status === 'member');
}
