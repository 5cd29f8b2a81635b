/**
 * Group state as a chain of signed versions (docs/protocol.md §8.2). Each
 * version names its group, its height, the hash of its parent and its
 * author, carries one change, and is signed by the author's account key.
 * The state (name, members with roles, disappearing timer) is the fold of
 * the chain. A version is valid only on top of its parent's state: the
 * author must be an admin there (a member may only take themself out).
 * Concurrent versions (same parent) resolve by fork choice: the valid
 * child with the lowest hash wins, on every device alike.
 */
import { createHash } from 'node:crypto';
import sodium from 'libsodium-wrappers-sumo';
import { z } from 'zod';
import { MAX_DISAPPEARING_TIMER_S, MAX_GROUP_MEMBERS, MAX_GROUP_NAME_CHARS } from '../../../shared/constants';
import { concatBytes, fromBase64Url, toBase64Url, utf8Bytes } from '../../../shared/wire/encoding';
import { GroupProtocolError } from './errors';

const KeyId = z.string().regex(/^[A-Za-z0-9_-]{43}$/u);
const Name = z.string().trim().min(1).max(MAX_GROUP_NAME_CHARS);
/** One member: account, role, and the name the author knew them by (a hint; a member's own display name wins where known). */
const Member = z.strictObject({ accountId: KeyId, role: z.enum(['admin', 'member']), name: z.string().trim().min(1).max(64) });
export type Member = z.infer<typeof Member>;

/** What one version changes. */
export const Change = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('create'), name: Name, members: z.array(Member).min(1).max(MAX_GROUP_MEMBERS), timer: z.number().int().positive().max(MAX_DISAPPEARING_TIMER_S).nullable() }),
  z.strictObject({ type: z.literal('add'), members: z.array(Member).min(1).max(MAX_GROUP_MEMBERS) }),
  z.strictObject({ type: z.literal('remove'), accountIds: z.array(KeyId).min(1).max(MAX_GROUP_MEMBERS) }),
  z.strictObject({ type: z.literal('leave') }),
  z.strictObject({ type: z.literal('admin'), accountId: KeyId }),
  z.strictObject({ type: z.literal('rename'), name: Name }),
  z.strictObject({ type: z.literal('timer'), seconds: z.number().int().positive().max(MAX_DISAPPEARING_TIMER_S).nullable() }),
]);
export type Change = z.infer<typeof Change>;

/** One signed version, as it travels (inside pairwise-encrypted content only). */
export const GroupVersion = z.strictObject({ groupId: KeyId, height: z.number().int().min(1).max(0xffffffff), prev: z.string().regex(/^([A-Za-z0-9_-]{43})?$/u), author: KeyId, change: Change, signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/u) });
export type GroupVersion = z.infer<typeof GroupVersion>;

/** The state after a version. */
export interface GroupState {
  readonly groupId: string;
  readonly height: number;
  /** Hash of the version this state is after (base64url). */
  readonly head: string;
  readonly name: string;
  readonly members: readonly Member[];
  readonly timer: number | null;
}

const CONTEXT = utf8Bytes('Parley_GroupVersion_v1\0');

/** The bytes an author signs: a context label and the version's fields in a fixed order. */
function signedBytes(v: Omit<GroupVersion, 'signature'>): Uint8Array {
  return concatBytes(CONTEXT, utf8Bytes(JSON.stringify([v.groupId, v.height, v.prev, v.author, canonicalChange(v.change)])));
}

function canonicalChange(c: Change): unknown[] {
  const m = (ms: readonly Member[]) => ms.map((x) => [x.accountId, x.role, x.name]);
  switch (c.type) {
    case 'create': return [c.type, c.name, m(c.members), c.timer];
    case 'add': return [c.type, m(c.members)];
    case 'remove': return [c.type, [...c.accountIds]];
    case 'leave': return [c.type];
    case 'admin': return [c.type, c.accountId];
    case 'rename': return [c.type, c.name];
    case 'timer': return [c.type, c.seconds];
  }
}

/** The hash that names a version (its parent link, and the fork-choice order): SHA-256 over the signed bytes and the signature. */
export function versionHash(v: GroupVersion): string {
  return toBase64Url(new Uint8Array(createHash('sha256').update(signedBytes(v)).update(fromBase64Url(v.signature) ?? new Uint8Array()).digest()));
}

/** Makes and signs the next version on top of `state` (null for a new group) with the author's account secret key (64 bytes). */
export function signVersion(state: GroupState | null, groupId: string, author: string, accountSecret: Uint8Array, change: Change): GroupVersion {
  const unsigned = { groupId, height: (state?.height ?? 0) + 1, prev: state?.head ?? '', author, change };
  const signature = toBase64Url(sodium.crypto_sign_detached(signedBytes(unsigned), accountSecret));
  const v = { ...unsigned, signature };
  applyVersion(state, v);
  return v;
}

const bad = (why: string): never => {
  throw new GroupProtocolError('GROUP_BAD_VERSION', why);
};

/** Checks `v` on top of `state` (null: a new group) and returns the state after it; GROUP_BAD_VERSION or GROUP_BAD_SIGNATURE when it does not follow. */
export function applyVersion(state: GroupState | null, v: GroupVersion): GroupState {
  const parsed = GroupVersion.safeParse(v);
  if (!parsed.success) bad('The version has an unknown shape.');
  if (state && v.groupId !== state.groupId) bad('The version belongs to another group.');
  if (v.height !== (state?.height ?? 0) + 1 || v.prev !== (state?.head ?? '')) bad('The version does not follow its parent.');
  const key = fromBase64Url(v.author);
  const sig = fromBase64Url(v.signature);
  let ok = false;
  try {
    ok = !!key && !!sig && sodium.crypto_sign_verify_detached(sig, signedBytes(v), key);
  } catch {
    ok = false;
  }
  if (!ok) throw new GroupProtocolError('GROUP_BAD_SIGNATURE', 'The version’s signature does not verify under its author’s account key.');
  const head = versionHash(v);
  const c = v.change;
  if (!state) {
    if (c.type !== 'create') return bad('A group starts with a create version.');
    if (!c.members.some((m) => m.accountId === v.author && m.role === 'admin')) bad('The creator must be an admin of the new group.');
    if (new Set(c.members.map((m) => m.accountId)).size !== c.members.length) bad('A member is listed twice.');
    return { groupId: v.groupId, height: 1, head, name: c.name, members: c.members, timer: c.timer };
  }
  const author = state.members.find((m) => m.accountId === v.author);
  if (!author) return bad('The author is not a member.');
  if (c.type !== 'leave' && author.role !== 'admin') bad('Only an admin can change the group.');
  const next = (members: readonly Member[], extra: Partial<GroupState> = {}): GroupState => ({ ...state, ...extra, height: v.height, head, members });
  switch (c.type) {
    case 'create':
      return bad('A group is created once.');
    case 'add': {
      const ids = new Set(state.members.map((m) => m.accountId));
      if (c.members.some((m) => ids.has(m.accountId) || m.role !== 'member') || new Set(c.members.map((m) => m.accountId)).size !== c.members.length) bad('An added member is already in the group, listed twice, or not a plain member.');
      if (state.members.length + c.members.length > MAX_GROUP_MEMBERS) bad('The group would be too large.');
      return next([...state.members, ...c.members]);
    }
    case 'remove': {
      const gone = new Set(c.accountIds);
      if (c.accountIds.some((id) => !state.members.some((m) => m.accountId === id))) bad('A removed account is not a member.');
      return next(withAnAdmin(state.members.filter((m) => !gone.has(m.accountId))));
    }
    case 'leave':
      return next(withAnAdmin(state.members.filter((m) => m.accountId !== v.author)));
    case 'admin': {
      if (!state.members.some((m) => m.accountId === c.accountId)) bad('Only a member can become an admin.');
      return next(state.members.map((m) => (m.accountId === c.accountId ? { ...m, role: 'admin' as const } : m)));
    }
    case 'rename':
      return next(state.members, { name: c.name });
    case 'timer':
      return next(state.members, { timer: c.seconds });
  }
}

/** A group whose last admin left gets its first remaining member as admin (deterministic, so every device agrees). */
function withAnAdmin(members: readonly Member[]): readonly Member[] {
  if (members.length === 0 || members.some((m) => m.role === 'admin')) return members;
  return [{ ...members[0]!, role: 'admin' }, ...members.slice(1)];
}

/**
 * Fork choice over every version a device knows of one group, from the
 * genesis it accepted first: at each height the valid child of the current
 * head with the lowest hash wins. Invalid versions and losing branches are
 * left out. Returns the winning chain and its state.
 */
export function resolveChain(genesis: GroupVersion, known: readonly GroupVersion[]): { chain: GroupVersion[]; state: GroupState } {
  const children = new Map<string, GroupVersion[]>();
  for (const v of known) {
    const list = children.get(v.prev) ?? [];
    list.push(v);
    children.set(v.prev, list);
  }
  let state = applyVersion(null, genesis);
  const chain = [genesis];
  for (;;) {
    const candidates = (children.get(state.head) ?? [])
      .map((v) => ({ v, h: versionHash(v) }))
      .sort((a, b) => (a.h < b.h ? -1 : a.h > b.h ? 1 : 0));
    let moved = false;
    for (const { v } of candidates) {
      try {
        state = applyVersion(state, v);
      } catch {
        continue; // invalid on this parent: never part of the chain
      }
      chain.push(v);
      moved = true;
      break;
    }
    if (!moved) return { chain, state };
  }
}
