/**
 * GroupService: create a group from contacts, change it (add, remove,
 * admin, rename, timer — admins only), leave it, send to it and read it.
 * Each change is a version signed with this account's key, adopted here
 * and sent to every member device (with the new master key after a
 * removal; a removed member gets the version without it, so they see the
 * removal). The service also implements the conversation layer's
 * GroupHooks, so replies, reactions, edits, deletes, receipts and
 * attachments go through the one conversation path.
 */
import { randomBytes } from 'node:crypto';
import { GROUP_VERSION_MAX_MEMBERS, MAX_GROUP_NAME_CHARS } from '../../shared/constants';
import { fromBase64Url, toBase64Url } from '../../shared/wire/encoding';
import { safetyNumber, type SafetyNumber } from '../account/safetyNumber';
import type { Message } from '../store';
import type { ChatContext, GroupHooks } from '../conversations/context';
import type { ConversationService } from '../conversations/service';
import { newMessageId } from '../conversations/messageId';
import { currentState } from './chainStore';
import type { GroupDelivery } from './delivery';
import { GroupError } from './errors';
import { addressKey } from '../protocol';
import { learnDevices, memberDevices, memberName, shownName } from './members';
import { keyChangeEvents, keyChangedMembers, receiveMemberKeyChange, type KeyChangeEvent } from './keyChanges';
import { adoptVersions, receiveGroup } from './receive';
import { redistribute, sendToGroup, sendUpdate, updateWaitingMembers } from './sending';
import { applyVersion, signVersion, type Change, type GroupState, type GroupVersion } from './protocol/groupState';
import { eventsAfter, timeline, type GroupEvent } from './timeline';
import { forwardGroupsToNewDevices } from './lateDevices';

/** A group as the app and the CLI show it. */
export interface GroupInfo {
  readonly id: string;
  readonly name: string;
  readonly status: 'member' | 'removed' | 'left';
  readonly timer: number | null;
  /** `keyChanged`: the member sent a signed account key change (schema 14) since the group last listed them. */
  readonly members: readonly { accountId: string; name: string; role: 'admin' | 'member'; contact: boolean; keyChanged: boolean }[];
}

/** Groups (see the file comment). */
export class GroupService {
  /** What the conversation layer calls for group conversations. */
  readonly hooks: GroupHooks;

  constructor(private readonly ctx: ChatContext, private readonly conversations: ConversationService, private readonly delivery: GroupDelivery) {
    this.hooks = {
      isGroup: (id) => ctx.store.groups.get(id) !== null,
      send: (id, content, message, also) => sendToGroup(ctx, this.delivery, id, content, message, also),
      receive: (from, content, changed) => receiveGroup(ctx, from, content, changed),
      resend: (id, content, messageId) => sendToGroup(ctx, this.delivery, id, content, undefined, undefined, { messageId, confirmed: ctx.store.groups.receiptAccounts(messageId) }),
      redistribute: (from, id, chainId) => redistribute(ctx, from, id, chainId),
      memberName: (accountId) => memberName(ctx, accountId),
      memberKeyChange: (accountId, newAccountId, signature, contact) => void receiveMemberKeyChange(ctx, accountId, newAccountId, signature, contact),
      describe: (id) => ({ name: this.get(id).name, events: timeline(ctx, id).map((e) => e.text) }),
      forwardToNewDevices: (accountId, devices) => forwardGroupsToNewDevices(ctx, accountId, devices),
      noteDevices: (accountId, deviceIds) => {
        for (const id of ctx.store.groups.ids()) if (ctx.store.groups.member(id, accountId)) ctx.store.groups.setDevices(id, accountId, deviceIds);
      },
    };
  }

  /** Every group this device knows (removed and left ones too), oldest first. */
  list(): GroupInfo[] {
    return this.ctx.store.groups.ids().flatMap((id) => {
      const g = this.info(id);
      return g ? [g] : [];
    });
  }

  /** One group, or GROUP_UNKNOWN. */
  get(id: string): GroupInfo {
    const g = this.info(id);
    if (!g) throw new GroupError('GROUP_UNKNOWN', 'There is no such group.');
    return g;
  }

  /** The one group with this name (or id), or GROUP_UNKNOWN / GROUP_AMBIGUOUS. */
  byName(name: string): GroupInfo {
    const all = this.list();
    const hits = all.filter((g) => g.id === name || g.name === name);
    const live = hits.filter((g) => g.status === 'member');
    const pick = live.length === 1 ? live : hits;
    if (pick.length === 0) throw new GroupError('GROUP_UNKNOWN', `You are in no group named “${name}”.`);
    if (pick.length > 1) throw new GroupError('GROUP_AMBIGUOUS', `Several groups are named “${name}”; use the group id.`);
    return pick[0]!;
  }

  /** A member's account id by contact name or by the display name they chose, or GROUP_BAD_MEMBER. */
  memberByName(groupId: string, name: string): string {
    const hits = this.get(groupId).members.filter((m) => m.name === name || m.accountId === name);
    if (hits.length !== 1) throw new GroupError('GROUP_BAD_MEMBER', hits.length === 0 ? `No member of this group is named “${name}”.` : `Several members are named “${name}”.`);
    return hits[0]!.accountId;
  }

  /** The safety number with a member, contact or not (it is over account keys, so the member list can show it for anyone). */
  safetyNumber(groupId: string, accountId: string): SafetyNumber {
    if (!this.get(groupId).members.some((m) => m.accountId === accountId) || accountId === this.ctx.keys.accountId) throw new GroupError('GROUP_BAD_MEMBER', 'That account is not another member of this group.');
    return safetyNumber(this.ctx.keys.accountPublicKey, fromBase64Url(accountId)!);
  }

  /** Creates a group of this account (admin) and the given contacts, and tells every member device. */
  async create(name: string, contactIds: readonly string[]): Promise<GroupInfo> {
    const trimmed = name.trim();
    if (trimmed.length === 0 || trimmed.length > MAX_GROUP_NAME_CHARS) throw new GroupError('GROUP_BAD_NAME', `A group name is 1 to ${MAX_GROUP_NAME_CHARS} characters.`);
    const [me, ...others] = [{ accountId: this.ctx.keys.accountId, role: 'admin' as const, name: this.ctx.displayName() }, ...this.contactMembers(contactIds)];
    const id = toBase64Url(new Uint8Array(randomBytes(32)));
    // A large group is a create and adds of GROUP_VERSION_MAX_MEMBERS each, so every version (and update) fits a relay envelope.
    const first = others.slice(0, GROUP_VERSION_MAX_MEMBERS - 1);
    const versions = this.signAll(null, id, [{ type: 'create', name: trimmed, members: [me!, ...first], timer: null }, ...addChanges(others.slice(first.length))]);
    this.ctx.store.db.transaction(() => adoptVersions(this.ctx, id, versions, new Uint8Array(randomBytes(32))))();
    await this.tell(id, []);
    return this.get(id);
  }

  /** Signs changes one on top of the other, from `state`. */
  private signAll(state: GroupState | null, groupId: string, changes: readonly Change[]): GroupVersion[] {
    const out: GroupVersion[] = [];
    for (const change of changes) {
      const v = signVersion(state, groupId, this.ctx.keys.accountId, this.ctx.keys.accountSigner.secretKey, change);
      state = applyVersion(state, v);
      out.push(v);
    }
    return out;
  }

  /** Adds contacts to a group (admins only); they read nothing sent before. */
  add(groupId: string, contactIds: readonly string[]): Promise<GroupInfo> {
    const members = this.contactMembers(contactIds);
    return this.change(groupId, ...(members.length > 0 ? addChanges(members) : [{ type: 'add' as const, members }])); // an empty add is refused, as before
  }

  /** Removes members (admins only); every remaining device moves to a fresh sender key before its next message. */
  remove(groupId: string, accountIds: readonly string[]): Promise<GroupInfo> {
    return this.change(groupId, { type: 'remove', accountIds: [...accountIds] });
  }

  /** Leaves the group. */
  leave(groupId: string): Promise<GroupInfo> {
    return this.change(groupId, { type: 'leave' });
  }

  /**
   * Puts a member's new account key in the group in place of the old one
   * (admins only), after the member sent a signed key change this device
   * accepted (keyChanges.ts): the new key is added with the old one's name
   * and role, then the old key is removed, in one change.
   */
  async adoptMemberKey(groupId: string, accountId: string): Promise<GroupInfo> {
    const member = this.member(groupId).members.find((m) => m.accountId === accountId && m.keyChanged);
    const keys = [...new Set(this.ctx.store.groups.keyChanges(groupId).filter((k) => k.accountId === accountId).map((k) => k.newAccountId))];
    if (!member || keys.length === 0) throw new GroupError('GROUP_NO_KEY_CHANGE', 'That member has sent no new key to add.');
    if (keys.length > 1) throw new GroupError('GROUP_KEY_CONFLICT', 'That member’s old key signed two different new keys. Remove them and add the right one as a contact.');
    const newId = keys[0]!;
    const changes: Change[] = [{ type: 'add', members: [{ accountId: newId, role: 'member', name: member.name.slice(0, 64) }] }];
    if (member.role === 'admin') changes.push({ type: 'admin', accountId: newId });
    return this.change(groupId, ...changes, { type: 'remove', accountIds: [accountId] });
  }

  /** Makes a member an admin (admins only). */
  makeAdmin(groupId: string, accountId: string): Promise<GroupInfo> {
    return this.change(groupId, { type: 'admin', accountId });
  }

  /** Renames the group (admins only). */
  rename(groupId: string, name: string): Promise<GroupInfo> {
    const trimmed = name.trim();
    if (trimmed.length === 0 || trimmed.length > MAX_GROUP_NAME_CHARS) throw new GroupError('GROUP_BAD_NAME', `A group name is 1 to ${MAX_GROUP_NAME_CHARS} characters.`);
    return this.change(groupId, { type: 'rename', name: trimmed });
  }

  /** Sets the group's disappearing timer (admins only; null turns it off). */
  setTimer(groupId: string, seconds: number | null): Promise<GroupInfo> {
    return this.change(groupId, { type: 'timer', seconds });
  }

  /** Sends a text (or a reply) to the group; resolves once committed. */
  async sendText(groupId: string, text: string, opts: { replyTo?: string | undefined } = {}): Promise<Message> {
    if (this.ctx.store.groups.get(groupId)?.status !== 'member') this.member(groupId); // throws why (the full check reads every member)
    const id = newMessageId();
    await this.conversations.sendMessage(groupId, id, { text, replyTo: opts.replyTo ?? null, attachment: null });
    this.conversations.announce(groupId, [id]);
    return this.conversations.get(id);
  }

  /** Sends again group uploads a crash left between their commit and the relay (on each connection). */
  resumeUploads(): Promise<void> {
    return this.delivery.resume();
  }

  /** A page of the group's messages, newest first. */
  history(groupId: string, limit: number, before?: { at: number; id: string }): Message[] {
    this.get(groupId);
    return this.ctx.store.messages.page(groupId, limit, before);
  }

  /** "Delivered to 3 of 4", "read by 2": how many other members confirmed one of our group messages. */
  receipts(messageId: string): { delivered: number; read: number; of: number } {
    const m = this.conversations.get(messageId);
    const g = this.get(m.conversationId);
    return { ...this.ctx.store.groups.receiptCounts(m.id), of: g.members.filter((x) => x.accountId !== this.ctx.keys.accountId).length };
  }

  /** The group's membership and state changes as sentences, oldest first. */
  events(groupId: string): GroupEvent[] {
    this.get(groupId);
    return timeline(this.ctx, groupId);
  }

  /** The group's events after the version `hash` (null: all), also across a fork winner that came late; null when `hash` is unknown (timeline.ts eventsAfter). */
  eventsAfter(groupId: string, hash: string | null): GroupEvent[] | null {
    this.get(groupId);
    return eventsAfter(this.ctx, groupId, hash);
  }

  /** The group's members' safety-number changes as timeline lines, oldest first. */
  keyChanges(groupId: string): KeyChangeEvent[] {
    this.get(groupId);
    return keyChangeEvents(this.ctx, groupId);
  }

  private info(id: string): GroupInfo | null {
    const row = this.ctx.store.groups.get(id);
    const s = currentState(this.ctx, id);
    // A group we were told about but were never in stays hidden; one we left as its last member still shows (as left).
    if (!row || !s || (row.status === 'removed' && this.ctx.store.groups.members(id).length === 0)) return null;
    const changed = keyChangedMembers(this.ctx, id);
    const members = this.ctx.store.groups.members(id).map((m) => ({ accountId: m.accountId, role: m.role, ...shownName(this.ctx, m), keyChanged: changed.has(m.accountId) }));
    return { id, name: s.state.name, status: row.status, timer: s.state.timer, members };
  }

  private member(groupId: string): GroupInfo {
    const g = this.get(groupId);
    if (g.status !== 'member') throw new GroupError('GROUP_NOT_MEMBER', 'You are no longer a member of this group.');
    return g;
  }

  private contactMembers(contactIds: readonly string[]) {
    return contactIds.map((accountId) => {
      const c = this.ctx.contacts.get(accountId);
      if (!c || accountId === this.ctx.keys.accountId) throw new GroupError('GROUP_BAD_MEMBER', 'Only contacts can be added to a group.');
      return { accountId, role: 'member' as const, name: c.name };
    });
  }

  /** Signs changes on top of the current state, adopts them, and tells the members (and anyone it removed). */
  private async change(groupId: string, ...changes: Change[]): Promise<GroupInfo> {
    // The devices of members who are not contacts first: a leave or removal is told to the devices known before it (model seed 20261204).
    await learnDevices(this.ctx, groupId);
    const g = this.member(groupId);
    const me = this.ctx.keys.accountId;
    if (changes.some((c) => c.type !== 'leave') && g.members.find((m) => m.accountId === me)?.role !== 'admin') throw new GroupError('GROUP_NOT_ADMIN', 'Only an admin can change the group.');
    const s = currentState(this.ctx, groupId)!;
    let versions;
    try {
      versions = this.signAll(s.state, groupId, changes);
    } catch (e) {
      throw new GroupError('GROUP_BAD_MEMBER', 'That change does not fit the group’s members.', { cause: e });
    }
    const removed = changes.flatMap((c) => (c.type === 'remove' ? c.accountIds : []));
    const leave = changes.some((c) => c.type === 'leave');
    const before = memberDevices(this.ctx, groupId);
    const rekey = removed.length > 0 || leave;
    this.ctx.store.db.transaction(() => adoptVersions(this.ctx, groupId, versions, rekey ? new Uint8Array(randomBytes(32)) : null))();
    // A leave is told to every device it had (our other devices too: they left with us); a removal to the removed members' devices.
    await this.tell(groupId, rekey ? before.filter((d) => removed.includes(d.accountId) || leave) : [], { devices: before, height: s.state.height });
    return this.get(groupId);
  }

  /**
   * Sends the chain to every member device (with the master key) and to
   * `without` (no key). Devices that were members at `known.height` get only
   * the versions above it; any other device gets the whole chain.
   */
  private async tell(groupId: string, without: readonly { accountId: string; deviceId: string }[], known?: { devices: readonly { accountId: string; deviceId: string }[]; height: number }): Promise<void> {
    await learnDevices(this.ctx, groupId);
    const status = this.ctx.store.groups.get(groupId)?.status;
    const members = status === 'member' ? memberDevices(this.ctx, groupId) : [];
    const had = new Set((known?.devices ?? []).map(addressKey));
    await Promise.all([
      sendUpdate(this.ctx, members.filter((d) => had.has(addressKey(d))), groupId, true, known?.height ?? 0),
      sendUpdate(this.ctx, members.filter((d) => !had.has(addressKey(d))), groupId, true),
      sendUpdate(this.ctx, without, groupId, false, known?.height ?? 0),
    ]);
    // Contacts with no device on record yet (their list could not be fetched) get the chain when it comes (lateDevices.ts).
    if (status === 'member') await updateWaitingMembers(this.ctx, groupId);
    this.conversations.flushInBackground();
    this.ctx.events.conversationsChanged();
  }
}

/** An add of many members as adds of GROUP_VERSION_MAX_MEMBERS each. */
function addChanges(members: readonly { accountId: string; role: 'member'; name: string }[]): Change[] {
  const out: Change[] = [];
  for (let i = 0; i < members.length; i += GROUP_VERSION_MAX_MEMBERS) out.push({ type: 'add', members: members.slice(i, i + GROUP_VERSION_MAX_MEMBERS) });
  return out;
}
