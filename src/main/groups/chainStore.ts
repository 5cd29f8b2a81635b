/**
 * Group records over the store: sender-key records (this device's own
 * chain under its own address, each member device's under theirs) and the
 * group's state, recomputed from the signed versions the store holds by
 * fork choice (cached per group until a version is added).
 */
import { addressKey } from '../protocol';
import type { ChatContext } from '../conversations/context';
import { decodeOwnChain, decodePeerRecord, encodeOwnChain, encodePeerRecord, type OwnChain, type PeerRecord } from './protocol/senderKey';
import { GroupVersion, resolveChain, versionHash, type GroupState } from './protocol/groupState';

/** This device's address, as its own chain is stored under. */
export const ownAddress = (ctx: ChatContext): string => addressKey({ accountId: ctx.keys.accountId, deviceId: ctx.keys.deviceId });

/** This device's sending chain in a group, or null before its first group message. */
export function loadOwn(ctx: ChatContext, groupId: string): OwnChain | null {
  const raw = ctx.store.groups.senderKey(groupId, ownAddress(ctx));
  return raw ? decodeOwnChain(raw) : null;
}

/** Stores this device's sending chain. */
export function saveOwn(ctx: ChatContext, groupId: string, own: OwnChain): void {
  ctx.store.groups.putSenderKey(groupId, ownAddress(ctx), encodeOwnChain(own));
}

/** A member device's chains, or null. */
export function loadPeer(ctx: ChatContext, groupId: string, address: string): PeerRecord | null {
  const raw = ctx.store.groups.senderKey(groupId, address);
  return raw ? decodePeerRecord(raw) : null;
}

/** Stores a member device's chains. */
export function savePeer(ctx: ChatContext, groupId: string, address: string, r: PeerRecord): void {
  ctx.store.groups.putSenderKey(groupId, address, encodePeerRecord(r));
}

const cache = new WeakMap<ChatContext, Map<string, { count: number; state: GroupState; chain: GroupVersion[] }>>();

/** The stored versions of a group, parsed (a row that does not parse is skipped: the store wrote only checked ones). */
export function storedVersions(ctx: ChatContext, groupId: string): GroupVersion[] {
  return ctx.store.groups.versions(groupId).flatMap((j) => {
    const r = GroupVersion.safeParse(JSON.parse(j));
    return r.success ? [r.data] : [];
  });
}

/** The group's state and winning chain, from the genesis it accepted first; null for an unknown group. */
export function currentState(ctx: ChatContext, groupId: string): { state: GroupState; chain: GroupVersion[] } | null {
  const row = ctx.store.groups.get(groupId);
  if (!row) return null;
  const versions = storedVersions(ctx, groupId);
  const byGroup = cache.get(ctx) ?? new Map<string, { count: number; state: GroupState; chain: GroupVersion[] }>();
  cache.set(ctx, byGroup);
  const hit = byGroup.get(groupId);
  if (hit && hit.count === versions.length) return hit;
  const genesis = versions.find((v) => versionHash(v) === row.genesis);
  if (!genesis) return null;
  const out = { count: versions.length, ...resolveChain(genesis, versions) };
  byGroup.set(groupId, out);
  return out;
}
