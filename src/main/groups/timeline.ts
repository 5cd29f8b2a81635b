/**
 * Membership and state changes as timeline sentences ("Ada added Bob"),
 * read from the winning chain of signed versions, so every device shows
 * the same events in the same order. Each carries when this device adopted
 * its version (schema v14), never earlier than the event before it, so the
 * chat places it among the messages; members' key changes are events of
 * their own (`keyChangeEvents`).
 */
import type { ChatContext } from '../conversations/context';
import { currentState, storedVersions } from './chainStore';
import { versionHash, type GroupVersion, type Member } from './protocol/groupState';

/** One timeline event: the version's height, when this device adopted it, its author, what changed, the accounts it concerns (their shown names) and the sentence. */
export interface GroupEvent {
  readonly height: number;
  /** The version's hash (`versionHash`): names it on its chain, as a listener's "reported up to" (eventsAfter). */
  readonly hash: string;
  /** Ms; when this device adopted the version (not signed, not sent; at least the previous event's time). */
  readonly at: number;
  readonly author: string;
  readonly change: GroupVersion['change']['type'];
  readonly members: readonly string[];
  /** An admin putting a member's new key in the group (adoptMemberKey): `new` on the add of the new key, `old` on the removal of the old one; else null. */
  readonly key: 'new' | 'old' | null;
  readonly text: string;
}

/** The group's events, oldest first. */
export function timeline(ctx: ChatContext, groupId: string): GroupEvent[] {
  const s = currentState(ctx, groupId);
  if (!s) return [];
  // A member's key change an admin adopted (adoptMemberKey) reads "added Cat’s new key", "removed Cat’s old key".
  const changes = ctx.store.groups.keyChanges(groupId);
  const keys = { added: new Set(changes.map((k) => k.newAccountId)), replaced: new Map(changes.map((k) => [k.accountId, k.newAccountId])) };
  const names = new Map<string, string>();
  const shown = (id: string): string | undefined => ctx.contacts.get(id)?.name ?? ctx.store.groups.members(groupId).find((m) => m.accountId === id)?.displayName ?? undefined;
  const name = (id: string): string => {
    if (id === ctx.keys.accountId) return 'You';
    const next = keys.replaced.get(id); // a replaced key goes by the name its member has now
    return shown(id) ?? (next === undefined ? undefined : shown(next)) ?? names.get(id) ?? 'Someone';
  };
  const learn = (ms: readonly Member[]) => ms.forEach((m) => names.set(m.accountId, names.get(m.accountId) ?? m.name));
  const times = ctx.store.groups.adoptedTimes(groupId);
  let at = 0;
  return s.chain.map((v) => {
    if (v.change.type === 'create' || v.change.type === 'add') learn(v.change.members);
    const c = v.change;
    const ids = c.type === 'create' || c.type === 'add' ? c.members.map((m) => m.accountId).filter((id) => id !== v.author) : c.type === 'remove' ? c.accountIds : c.type === 'admin' ? [c.accountId] : [];
    // A version adopted after its child (a fork's winner that came late) still shows in chain order.
    const hash = versionHash(v);
    at = Math.max(at, times.get(hash) ?? 0);
    const notes = new Set(ids.map((id) => keyNote(id, keys, names)));
    const key = notes.size !== 1 || (c.type !== 'add' && c.type !== 'remove') ? null : notes.has('’s new key') ? 'new' : notes.has('’s old key') ? 'old' : null;
    return { height: v.height, hash, at, author: name(v.author), change: c.type, members: ids.map(name), key, text: sentence(v, name, (id) => keyNote(id, keys, names)) };
  });
}

/**
 * The group's events after the version `hash` (the last one a listener was
 * told of; null: none yet, so all of them). When `hash` is on the winning
 * chain: the events above it. When a fork winner came late and `hash` is on
 * the losing branch now: the winning branch's events above the fork point
 * (the newest version both branches hold), so each version on the chain is
 * reported once and none is skipped. Null when no stored version of the
 * group has that hash (the caller decides; the store never deletes a
 * version of a group it holds).
 */
export function eventsAfter(ctx: ChatContext, groupId: string, hash: string | null): GroupEvent[] | null {
  if (hash !== null && currentState(ctx, groupId)?.state.head === hash) return []; // the common case: nothing new, no timeline built
  const events = timeline(ctx, groupId);
  if (hash === null) return events;
  const at = events.findIndex((e) => e.hash === hash);
  if (at >= 0) return events.slice(at + 1);
  const onChain = new Set(events.map((e) => e.hash));
  const byHash = new Map(storedVersions(ctx, groupId).map((v) => [versionHash(v), v]));
  let v = byHash.get(hash);
  while (v && !onChain.has(versionHash(v))) v = byHash.get(v.prev);
  if (!v) return null;
  const fork = versionHash(v);
  return events.slice(events.findIndex((e) => e.hash === fork) + 1);
}

/** "’s new key" for a member's adopted new key, "’s old key" for a replaced one (its new key was added), else nothing. */
function keyNote(id: string, keys: { added: ReadonlySet<string>; replaced: ReadonlyMap<string, string> }, added: ReadonlyMap<string, string>): string {
  if (keys.added.has(id)) return '’s new key';
  const next = keys.replaced.get(id);
  return next !== undefined && added.has(next) ? '’s old key' : '';
}

function sentence(v: GroupVersion, name: (id: string) => string, note: (id: string) => string): string {
  const who = name(v.author);
  const c = v.change;
  // "You" leads a sentence; as its object it reads "Ada removed you".
  const object = (id: string) => (name(id) === 'You' ? 'you' : `${name(id)}${note(id)}`);
  const list = (ids: readonly string[]) => ids.map(object).join(', ');
  switch (c.type) {
    case 'create':
      return `${who} created the group “${c.name}” with ${list(c.members.filter((m) => m.accountId !== v.author).map((m) => m.accountId)) || 'no one else'}`;
    case 'add':
      return `${who} added ${list(c.members.map((m) => m.accountId))}`;
    case 'remove':
      return `${who} removed ${list(c.accountIds)}`;
    case 'leave':
      return `${who} left`;
    case 'admin':
      return `${who} made ${object(c.accountId)} an admin`;
    case 'rename':
      return `${who} renamed the group to “${c.name}”`;
    case 'timer':
      return c.seconds === null ? `${who} turned disappearing messages off` : `${who} set disappearing messages to ${c.seconds} s`;
  }
}
