/**
 * Group content on the receive path, inside the receive transaction (the
 * conversation layer calls it through GroupHooks.receive):
 * - `groupUpdate`: signed versions; kept, then the state is the fork-choice
 *   fold from the genesis this device accepted first. A member who left or
 *   was removed makes this device replace its sending chain before its next
 *   group message and forget their keys.
 * - `senderKey`: a member device's chain; group messages that waited for it
 *   are decrypted now and replace their placeholders.
 * - `groupMessage`: decrypted with the sender's chain and applied like 1:1
 *   content. Without the chain (withheld, not yet arrived) it leaves a
 *   placeholder, is kept, and a request for the key goes to the sender in
 *   the same transaction (nothing is lost silently).
 * - a `receipt` naming a group: applied to our messages in that group.
 * - a `typing` signal naming a group: shown in its conversation (never stored).
 * - `groupChainRequest`: a member device missed versions; answered after
 *   the commit (chainRepair.ts), which also asks when an update shows a gap.
 * Content from an account that is not a member is refused and audited.
 */
import { createHash } from 'node:crypto';
import { encodeContent, parseContent, type Content } from '../../shared/wire/content';
import { fromBase64Url } from '../../shared/wire/encoding';
import { addressKey, type ProtocolAddress } from '../protocol';
import type { NewMessage } from '../store';
import type { ChatContext, GroupReceived } from '../conversations/context';
import { applyConversationContent } from '../conversations/effects';
import { placeholderId } from '../conversations/incoming';
import { errorCode, parseAddress } from '../conversations/outgoing';
import { holdGroupContent } from './held';
import { askForChain, hasGap, receiveChainRequest } from './chainRepair';
import { currentState, loadPeer, savePeer } from './chainStore';
import { devicesOf, learnDevices } from './members';
import { reapplyLost } from './sending';
import { tellOfLinkedDevices } from '../conversations/linkedDevices';
import { acceptDistribution, parseDistribution } from './protocol/distribution';
import { groupDecrypt } from './protocol/groupChain';
import { GroupVersion, versionHash } from './protocol/groupState';
import type { PeerRecord } from './protocol/senderKey';

const GROUP_CONTENT = new Set(['text', 'edit', 'delete', 'reaction']);

function refused(ctx: ChatContext, from: ProtocolAddress, content: Content, reason: string): GroupReceived {
  ctx.audit('group.rejected', { address: addressKey(from), reason });
  return { conversationId: from.accountId, content, message: undefined };
}

const isMember = (ctx: ChatContext, groupId: string, accountId: string): boolean =>
  ctx.store.groups.get(groupId)?.status === 'member' && ctx.store.groups.member(groupId, accountId) !== null;

/**
 * Sender-key content that the group's state does not allow yet: for a group
 * unknown here, or from an account that is not a member of a group this
 * device is in, it is held for the update that allows it (groups/held.ts);
 * for a group this device left or was removed from, refused. Null: allowed.
 */
function notYet(ctx: ChatContext, from: ProtocolAddress, groupId: string, content: Content, heldSince: number | undefined): GroupReceived | null {
  const group = ctx.store.groups.get(groupId);
  if (!group) return holdGroupContent(ctx, from, groupId, content, 'UNKNOWN_GROUP', heldSince);
  if (from.accountId === ctx.keys.accountId || isMember(ctx, groupId, from.accountId)) return null;
  if (group.status === 'member') return holdGroupContent(ctx, from, groupId, content, 'NOT_A_MEMBER', heldSince);
  return refused(ctx, from, content, 'NOT_A_MEMBER');
}

/**
 * Runs the content held for `groupId` again, in this transaction, after an
 * update for it was adopted: what is now allowed is applied (its texts
 * shown after the commit, by the returned step), what is not is held
 * again under its first arrival time.
 */
function runHeld(ctx: ChatContext, groupId: string, changed: Set<string>): () => Promise<void> {
  if (!ctx.store.groupHeld.has(groupId)) return async () => {};
  const shown: { from: string; message: NewMessage }[] = [];
  const afters: (() => Promise<void>)[] = [];
  for (const h of ctx.store.groupHeld.take(groupId)) {
    let content: Content;
    try {
      content = parseContent(h.content);
    } catch (e) {
      ctx.audit('group.held_dropped', { address: h.sender, reason: errorCode(e), count: 1 });
      continue;
    }
    const from = parseAddress(h.sender);
    const r = receiveGroup(ctx, from, content, changed, h.receivedAt);
    if (r?.message && r.message.direction === 'in') shown.push({ from: from.accountId, message: r.message });
    if (r?.after) afters.push(r.after);
  }
  return async () => {
    for (const { from, message: m } of shown) {
      ctx.events.incomingText({ conversationId: groupId, from: ctx.contacts.get(from)?.name ?? ctx.groups?.memberName(from) ?? from, id: m.id, text: m.body, sentAt: m.sentAt });
    }
    for (const a of afters) await a();
  };
}

/** Applies group content (see the file comment); null when `content` is not group content. */
export function receiveGroup(ctx: ChatContext, from: ProtocolAddress, content: Content, changed: Set<string>, heldSince?: number): GroupReceived | null {
  switch (content.type) {
    case 'groupUpdate':
      return receiveUpdate(ctx, from, content, changed);
    case 'groupChainRequest':
      return receiveChainRequest(ctx, from, content);
    case 'senderKey':
      return receiveKey(ctx, from, content, changed, heldSince);
    case 'groupMessage':
      return receiveMessage(ctx, from, content, changed, heldSince);
    case 'receipt': {
      if (content.group === undefined) return null;
      if (!isMember(ctx, content.group, from.accountId)) return refused(ctx, from, content, 'NOT_A_MEMBER');
      applyConversationContent(ctx, { conversationId: content.group, author: from.accountId, fromDevice: from.deviceId, receivedAt: ctx.now() }, content, changed);
      for (const id of content.targets) {
        const m = ctx.store.messages.get(id);
        // The row's own state moves once (the first member's receipt); each later member's changes only the counts shown.
        if (m?.conversationId === content.group && m.direction === 'out' && ctx.store.groups.noteReceipt(id, from.accountId, content.kind, ctx.now())) changed.add(id);
      }
      return { conversationId: content.group, content, message: undefined };
    }
    case 'typing':
      // Shown in the group's conversation, never stored; only from a member.
      if (content.group === undefined) return null;
      if (!isMember(ctx, content.group, from.accountId)) return refused(ctx, from, content, 'NOT_A_MEMBER');
      return { conversationId: content.group, content, message: undefined };
    case 'text':
    case 'edit':
    case 'delete':
    case 'reaction':
      // Group conversation content only travels inside a sender-key message.
      return content.group === undefined ? null : refused(ctx, from, content, 'GROUP_CONTENT_OUTSIDE_SENDER_KEY');
    default:
      return null;
  }
}

/**
 * Keeps signed versions and brings the group's rows to the fork-choice
 * state. Used for received updates and for this device's own changes.
 * Returns false (nothing changed) when the versions do not make a valid
 * chain from the genesis this device accepted, or it is not in the group.
 */
export function adoptVersions(ctx: ChatContext, groupId: string, versions: readonly GroupVersion[], masterKey: Uint8Array | null): boolean {
  const { store } = ctx;
  const me = ctx.keys.accountId;
  let row = store.groups.get(groupId);
  if (!row) {
    const genesis = versions.find((v) => v.height === 1 && v.change.type === 'create');
    if (!genesis) return false;
    row = { id: groupId, genesis: versionHash(genesis), masterKey, status: 'member', rotate: false };
    store.groups.put(row, ctx.now());
  }
  const before = store.groups.members(groupId).map((m) => m.accountId);
  const now = ctx.now();
  for (const v of versions) if (v.groupId === groupId) store.groups.addVersion(groupId, versionHash(v), v.height, JSON.stringify(v), now);
  const resolved = currentState(ctx, groupId);
  if (!resolved) return false;
  const { state, chain } = resolved;
  const inGroup = state.members.some((m) => m.accountId === me);
  if (before.length === 0 && !inGroup) {
    store.groups.put({ ...row, status: 'removed', masterKey: null }, ctx.now()); // told about a group we are not in: kept out of every list
    return false;
  }
  const gone = before.filter((id) => !state.members.some((m) => m.accountId === id));
  const last = chain[chain.length - 1]!;
  const status = inGroup ? 'member' : last.change.type === 'leave' && last.author === me ? 'left' : 'removed';
  store.groups.put({ ...row, status, masterKey: inGroup ? (masterKey ?? row.masterKey) : null, rotate: row.rotate || gone.some((id) => id !== me) }, ctx.now());
  store.groups.setMembers(groupId, state.members);
  store.messages.upsertConversation({ id: groupId, kind: 'group', peerAccountId: null, title: state.name, expireTimerMs: state.timer === null ? null : state.timer * 1000 }, ctx.now());
  return true;
}

function receiveUpdate(ctx: ChatContext, from: ProtocolAddress, content: Extract<Content, { type: 'groupUpdate' }>, changed: Set<string>): GroupReceived {
  const versions: GroupVersion[] = [];
  for (const json of content.versions) {
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch {
      return refused(ctx, from, content, 'GROUP_MALFORMED');
    }
    const v = GroupVersion.safeParse(value);
    if (!v.success || v.data.groupId !== content.group) return refused(ctx, from, content, 'GROUP_MALFORMED');
    versions.push(v.data);
  }
  const known = ctx.store.groups.get(content.group);
  // A group told to us in parts (a create, then adds) is known without members until the part that names us: its chain's state decides.
  const listed = known ? ctx.store.groups.members(content.group) : [];
  const wasMember = known ? (listed.length > 0 ? listed : (currentState(ctx, content.group)?.state.members ?? [])).some((m) => m.accountId === from.accountId) : true;
  const key = content.masterKey === null ? null : fromBase64Url(content.masterKey);
  if (!wasMember && from.accountId !== ctx.keys.accountId) return refused(ctx, from, content, 'NOT_A_MEMBER');
  try {
    if (!adoptVersions(ctx, content.group, versions, key)) return refused(ctx, from, content, 'NOT_IN_GROUP');
  } catch (e) {
    return refused(ctx, from, content, errorCode(e));
  }
  // New to this device: its author may not know a desktop we linked while the update was on its way (tellOfLinkedDevices).
  const joined = known?.status !== 'member' && ctx.store.groups.get(content.group)?.status === 'member';
  const held = runHeld(ctx, content.group, changed);
  // A version above our head whose parent never came (a delta after one we missed): ask its sender for the chain (chainRepair.ts).
  const gap = hasGap(ctx, content.group);
  const after = async (): Promise<void> => {
    if (gap) await askForChain(ctx, from, content.group);
    await learnDevices(ctx, content.group);
    if (joined) await tellOfLinkedDevices(ctx, [from, ...devicesOf(ctx, content.group, from.accountId)], content.sentAt);
    await reapplyLost(ctx, content.group);
    await held();
  };
  return { conversationId: content.group, content, message: undefined, after };
}

function receiveKey(ctx: ChatContext, from: ProtocolAddress, content: Extract<Content, { type: 'senderKey' }>, changed: Set<string>, heldSince?: number): GroupReceived {
  const early = notYet(ctx, from, content.group, content, heldSince);
  if (early) return early;
  const own = from.accountId === ctx.keys.accountId;
  const address = addressKey(from);
  let record: PeerRecord;
  try {
    record = acceptDistribution(loadPeer(ctx, content.group, address), parseDistribution(fromBase64Url(content.distribution) ?? new Uint8Array()));
  } catch (e) {
    return refused(ctx, from, content, errorCode(e));
  }
  savePeer(ctx, content.group, address, record);
  if (!own) ctx.store.groups.setDisplayName(content.group, from.accountId, content.name);
  const repaired: NewMessage[] = [];
  for (const p of ctx.store.groups.pending(content.group, address)) {
    const r = openWith(ctx, from, content.group, p.message, changed);
    if (r.kind === 'later') continue;
    ctx.store.groups.dropPending(p.id);
    if (ctx.store.messages.delete(p.placeholder)) changed.add(p.placeholder);
    if (r.kind === 'opened' && r.message) repaired.push(r.message);
  }
  const after = async (): Promise<void> => {
    const name = ctx.contacts.get(from.accountId)?.name ?? content.name;
    for (const m of repaired) ctx.events.incomingText({ conversationId: content.group, from: name, id: m.id, text: m.body, sentAt: m.sentAt });
  };
  return { conversationId: content.group, content, message: undefined, after };
}

/** Decrypts and applies one sender-key message; `later` when the sender's chain is not here yet. */
function openWith(ctx: ChatContext, from: ProtocolAddress, groupId: string, message: Uint8Array, changed: Set<string>):
  { kind: 'opened'; content: Content; message: NewMessage | undefined } | { kind: 'later' } | { kind: 'refused'; reason: string } {
  const address = addressKey(from);
  let out: ReturnType<typeof groupDecrypt>;
  try {
    out = groupDecrypt(loadPeer(ctx, groupId, address), fromBase64Url(groupId)!, message);
  } catch (e) {
    const reason = errorCode(e);
    return reason === 'GROUP_NO_SENDER_KEY' ? { kind: 'later' } : { kind: 'refused', reason };
  }
  savePeer(ctx, groupId, address, out.record);
  let inner: Content;
  try {
    inner = parseContent(out.plaintext);
  } catch (e) {
    return { kind: 'refused', reason: errorCode(e) };
  }
  if (!GROUP_CONTENT.has(inner.type) || !('group' in inner) || inner.group !== groupId) return { kind: 'refused', reason: 'GROUP_MISMATCH' };
  const applied = applyConversationContent(ctx, { conversationId: groupId, author: from.accountId, fromDevice: from.deviceId, receivedAt: ctx.now() }, inner as Extract<Content, { type: 'text' }>, changed);
  if (applied && inner.type === 'text' && from.accountId !== ctx.keys.accountId) ctx.store.repairs.oweReceipt(applied.id, groupId);
  return { kind: 'opened', content: inner, message: applied };
}

function receiveMessage(ctx: ChatContext, from: ProtocolAddress, content: Extract<Content, { type: 'groupMessage' }>, changed: Set<string>, heldSince?: number): GroupReceived {
  const groupId = content.group;
  const own = from.accountId === ctx.keys.accountId;
  const early = notYet(ctx, from, groupId, content, heldSince);
  if (early) return early;
  const bytes = fromBase64Url(content.message)!;
  const r = openWith(ctx, from, groupId, bytes, changed);
  if (r.kind === 'refused') return refused(ctx, from, content, r.reason);
  if (r.kind === 'opened') return { conversationId: groupId, content: r.content, message: r.message };
  // No sender key yet: a placeholder, the message kept, and a request for the key, all in this transaction.
  const id = placeholderId(new Uint8Array(createHash('sha256').update(bytes).digest()));
  const now = ctx.now();
  ctx.store.messages.insert({ id, conversationId: groupId, sender: from.accountId, direction: own ? 'out' : 'in', body: '', sentAt: now, receivedAt: now, state: 'delivered', kind: 'undecryptable' });
  ctx.store.groups.holdPending(groupId, addressKey(from), id, bytes, now);
  const chainId = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(1);
  const request = ctx.sessions.sealPlain(from, encodeContent({ v: 1, type: 'senderKeyRequest', group: groupId, chainId, sentAt: now }));
  ctx.store.delivery.commitSend({ outbox: [{ recipient: addressKey(from), payload: request }] });
  changed.add(id);
  ctx.audit('decrypt.failed', { address: addressKey(from), reason: 'GROUP_NO_SENDER_KEY' });
  const name = ctx.contacts.get(from.accountId)?.name ?? from.accountId;
  return { conversationId: groupId, content, message: undefined, after: async () => ctx.events.undecryptable({ conversationId: groupId, from: name, id, reason: 'GROUP_NO_SENDER_KEY', receivedAt: now }) };
}
