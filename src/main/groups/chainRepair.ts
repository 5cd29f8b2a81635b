/**
 * "Send me the chain" (docs/protocol.md §8.5): the repair for a member
 * device that missed a group version for good. Once a group's chain no
 * longer fits one update, members get only the versions above their
 * previous head; a device that never got one of them keeps the later ones
 * (every received version is stored) but cannot fold them onto its chain.
 *
 * - Asking: after adopting an update, a device that holds a version above
 *   its head whose parent it lacks asks the device that sent the update
 *   for the versions above its head, with a `groupChainRequest` over the
 *   pairwise session. At most once per GROUP_CHAIN_REQUEST_INTERVAL_MS per
 *   group and peer device; a request held back is audited.
 * - Answering: only to a device of a current member of a group this device
 *   is in; the versions above the requester's head on this device's chain
 *   (the whole chain when that head is not on it), at most
 *   GROUP_CHAIN_ANSWER_MAX_BYTES, as the same groupUpdate contents a new
 *   device gets. A refusal is audited with its reason.
 * - The answer is received as any groupUpdate (receive.ts): the same
 *   membership, signature and parent checks, no new trust path; the held
 *   versions fold once their parent is there.
 *
 * When each device last asked whom is kept in memory, not in the store: a
 * restart forgets it, which costs at most one more request per group and
 * peer, and needs no migration.
 */
import { GROUP_CHAIN_ANSWER_MAX_BYTES, GROUP_CHAIN_REQUEST_INTERVAL_MS } from '../../shared/constants';
import type { Content } from '../../shared/wire/content';
import { toBase64Url } from '../../shared/wire/encoding';
import { addressKey, type ProtocolAddress } from '../protocol';
import type { ChatContext, GroupReceived } from '../conversations/context';
import { errorCode, sendContent } from '../conversations/outgoing';
import { currentState, storedVersions } from './chainStore';
import { learnDevices, memberDevices } from './members';
import { updateParts } from './sending';
import { versionHash, type GroupVersion } from './protocol/groupState';

/** Why a chain request was refused: the group is unknown here (or this device is no longer in it), or the requester is not a current member's device. */
export type ChainRequestRefusal = 'GROUP_UNKNOWN' | 'NOT_A_MEMBER_DEVICE';

/** Per profile: when this device last asked each peer device (`group address`) for a group's chain. */
const asked = new WeakMap<ChatContext, Map<string, number>>();

/**
 * True when the group's stored versions include one above the head of its
 * chain whose parent this device does not have: a version was missed, and
 * what is above it cannot be adopted until it comes. Inside the receive
 * transaction, after the update was adopted.
 */
export function hasGap(ctx: ChatContext, groupId: string): boolean {
  const s = currentState(ctx, groupId);
  if (!s) return false;
  const versions = storedVersions(ctx, groupId);
  if (!versions.some((v) => v.height > s.state.height)) return false;
  const known = new Set(versions.map(versionHash));
  return versions.some((v) => v.height > s.state.height && !known.has(v.prev));
}

/**
 * Asks `peer` (the device whose update showed the gap) for the versions
 * above this device's head, unless it was asked for this group within
 * GROUP_CHAIN_REQUEST_INTERVAL_MS (then audited as deferred: the next
 * update after the interval asks again). After the receive commit.
 */
export async function askForChain(ctx: ChatContext, peer: ProtocolAddress, groupId: string): Promise<void> {
  const s = currentState(ctx, groupId);
  if (!s || ctx.store.groups.get(groupId)?.status !== 'member') return;
  const address = addressKey(peer);
  const now = ctx.now();
  const byPeer = asked.get(ctx) ?? new Map<string, number>();
  asked.set(ctx, byPeer);
  for (const [k, at] of byPeer) if (now - at >= GROUP_CHAIN_REQUEST_INTERVAL_MS) byPeer.delete(k); // keeps only live bounds
  const key = `${groupId} ${address}`;
  if (byPeer.has(key)) {
    ctx.audit('group.chain_request_deferred', { address, reason: 'GROUP_CHAIN_REQUEST_INTERVAL' });
    return;
  }
  byPeer.set(key, now);
  const request: Content = { v: 1, type: 'groupChainRequest', group: groupId, head: s.state.head, sentAt: now };
  try {
    await sendContent(ctx, [peer], request);
    ctx.audit('group.chain_requested', { address, count: s.state.height });
  } catch (e) {
    byPeer.delete(key); // nothing left: the next update may ask again at once
    ctx.audit('delivery.failed', { address, reason: errorCode(e) });
  }
}

/** Inside the receive transaction: a chain request from `from`; the answer (or the refusal) after the commit. */
export function receiveChainRequest(ctx: ChatContext, from: ProtocolAddress, content: Extract<Content, { type: 'groupChainRequest' }>): GroupReceived {
  const known = ctx.store.groups.get(content.group)?.status === 'member';
  const conversationId = known ? content.group : from.accountId;
  return { conversationId, content, message: undefined, after: () => answerChainRequest(ctx, from, content.group, content.head) };
}

/**
 * The versions (JSON) a chain request with `head` is answered with: those
 * after `head` on `chain` (the whole chain when `head` is not on it), in
 * chain order, at most `maxBytes` of them (one at least); the requester
 * asks again for the rest.
 */
export function chainAnswer(chain: readonly GroupVersion[], head: string, maxBytes = GROUP_CHAIN_ANSWER_MAX_BYTES): string[] {
  const at = chain.findIndex((v) => versionHash(v) === head);
  const jsons: string[] = [];
  let size = 0;
  for (const v of chain.slice(at + 1)) {
    const json = JSON.stringify(v);
    if (jsons.length > 0 && size + json.length > maxBytes) break;
    jsons.push(json);
    size += json.length;
  }
  return jsons;
}

/** Refuses (audited) or answers a chain request; see the file comment. */
async function answerChainRequest(ctx: ChatContext, from: ProtocolAddress, groupId: string, head: string): Promise<void> {
  const address = addressKey(from);
  const refuse = (reason: ChainRequestRefusal): void => ctx.audit('group.chain_request_refused', { address, reason });
  const row = ctx.store.groups.get(groupId);
  const s = currentState(ctx, groupId);
  if (!row || row.status !== 'member' || !s) return refuse('GROUP_UNKNOWN');
  if (!s.state.members.some((m) => m.accountId === from.accountId)) return refuse('NOT_A_MEMBER_DEVICE');
  await learnDevices(ctx, groupId); // a member who is not a contact: their devices as their signed list names them
  if (!memberDevices(ctx, groupId).some((d) => addressKey(d) === address)) return refuse('NOT_A_MEMBER_DEVICE');
  const jsons = chainAnswer(s.chain, head);
  ctx.audit('group.chain_answered', { address, count: jsons.length });
  if (jsons.length === 0) return; // its head is ours: nothing it lacks is on our chain
  const masterKey = row.masterKey ? toBase64Url(row.masterKey) : null;
  try {
    await Promise.all(updateParts(ctx, groupId, masterKey, jsons).map((c) => sendContent(ctx, [from], c)));
  } catch (e) {
    ctx.audit('delivery.failed', { address, reason: errorCode(e) }); // not sent: the requester asks again after the interval
  }
}
