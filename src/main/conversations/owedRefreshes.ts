/**
 * Device-list refreshes that survive a crash (store v17). A contact's
 * `devicesChanged` (or our own, or a contacts sync naming new accounts),
 * and list heads showing we are behind on the sender's list (§6.7), are
 * noted in the receive transaction that commits the envelope. The refresh
 * itself needs the relay, so it runs after the commit as before; the note
 * is cleared only once the fetched list is recorded. A process killed
 * between the commit and the refresh keeps the note (the redelivered
 * envelope is already processed and would not bring it back), and the
 * refresh runs on the next connection, or on the upkeep tick while one is
 * due. A failed refresh stays noted, is audited (`devices.refresh_failed`)
 * and backs off (LIST_REFRESH_RETRY_*).
 */
import { LIST_REFRESH_PER_RUN } from '../../shared/constants';
import type { Content } from '../../shared/wire/content';
import { compareHead, confirmBehind } from '../account/listHeads';
import type { ProtocolAddress } from '../protocol';
import type { RelayClient } from '../relayClient/client';
import type { ChatContext } from './context';
import { errorCode, refreshDevices } from './outgoing';

/**
 * Per profile, for the receive batch under way: per sender account, the
 * highest version its heads claimed for its own list that was found no
 * newer than ours. Our heads only grow, so a claim up to it needs no read:
 * a catch-up batch of one sender's texts reads that sender's head once
 * (one read each costs ≈ 7 µs, about 3 % of a received text).
 */
const notBehind = new WeakMap<ChatContext, Map<string, number>>();

/** Starts a receive batch's memo of heads found not behind (receiveBatch.ts, before its transaction). */
export function beginBatch(ctx: ChatContext): void {
  notBehind.set(ctx, new Map());
}

/** Whether the sender's heads show a newer list of its own account than ours (§6.7), memoised per batch. */
function senderAhead(ctx: ChatContext, accountId: string, claimed: { version: number; hash: string } | null): boolean {
  if (!claimed) return false;
  const seen = notBehind.get(ctx);
  const known = seen?.get(accountId);
  if (known !== undefined && claimed.version <= known) return false;
  const ahead = compareHead(ctx.store.listHeads.get(accountId), claimed) === 'behind';
  if (!ahead) seen?.set(accountId, claimed.version);
  return ahead;
}

/**
 * Inside the receive transaction: the accounts to refresh after the commit
 * (`refresh`, plus the sender's when the heads its text or receipt carries
 * show a newer list of its own than ours), each noted as owed. Returns them.
 */
export function noteRefreshes(ctx: ChatContext, from: ProtocolAddress, content: Content, own: boolean, refresh: readonly string[]): string[] {
  const heads = !own && (content.type === 'text' || content.type === 'receipt') ? content.heads : undefined;
  const behind = heads ? senderAhead(ctx, from.accountId, heads.sender) : false;
  const out = behind && !refresh.includes(from.accountId) ? [...refresh, from.accountId] : [...refresh];
  // The version the heads claimed is kept with the note: a fetch that brings less is a withheld list, not a done refresh.
  const claims = behind && heads?.sender ? new Map([[from.accountId, heads.sender.version]]) : undefined;
  if (out.length > 0) ctx.store.listRefreshes.note(out, ctx.now(), claims);
  return out;
}

/**
 * Fetches `accountId`'s list and records it (refreshDevices); then clears
 * its note, unless it was noted again while the fetch was on its way. A
 * failure is audited and the note backs off. So does a fetch that left our
 * list older than the version a peer's heads claimed (schema 18): the relay
 * withheld the list that peer verified (the contact flagged and audited as
 * list-withheld on the first such fetch since the note, §6.7). Returns
 * whether it was recorded.
 */
export async function refreshNoted(ctx: ChatContext, client: RelayClient, accountId: string): Promise<boolean> {
  const owed = ctx.store.listRefreshes.owed(accountId);
  try {
    await refreshDevices(ctx, client, accountId);
  } catch (e) {
    ctx.audit('devices.refresh_failed', { reason: errorCode(e), accountId });
    if (ctx.store.db.open) ctx.store.listRefreshes.failed(accountId, ctx.now());
    return false;
  }
  if (owed === null || !ctx.store.db.open) return true;
  if ((ctx.store.listHeads.get(accountId)?.version ?? 0) < owed.claimed) {
    // Flagged and audited once per note (`devices.split_view`, list-withheld, §6.7); tried again on the back-off.
    if (owed.attempts === 0) confirmBehind(ctx.store, accountId, owed.claimed);
    ctx.store.listRefreshes.failed(accountId, ctx.now());
    return false;
  }
  ctx.store.listRefreshes.clear(accountId, owed.notes);
  return true;
}

/**
 * After a receive commit: fetches the lists its envelope named that are
 * still owed (an earlier envelope of the batch, or an owed pass, may have
 * recorded one since: a batch of texts whose heads are behind notes the
 * sender once per text, and one fetch is enough), and `also` (heads found
 * behind after the commit). Returns whether any was fetched.
 */
export async function refreshAll(ctx: ChatContext, client: RelayClient, noted: readonly string[], also: string | null): Promise<boolean> {
  const accounts = new Set(noted.filter((a) => ctx.store.listRefreshes.notes(a) !== null));
  if (also) accounts.add(also);
  if (accounts.size === 0) return false;
  for (const a of accounts) await refreshNoted(ctx, client, a);
  ctx.events.contactsChanged();
  ctx.events.devicesChanged();
  return true;
}

/**
 * Whether a noted account's list is still worth fetching: our own, a
 * contact's or a group member's (we write to those). Any other (a contact
 * removed, a member who left every group we share, an account key replaced
 * since) is cleared without a fetch: we send it nothing, so a stale list of
 * it costs nothing, and the next contact request or group change fetches
 * its list afresh anyway.
 */
function stillWanted(ctx: ChatContext, accountId: string): boolean {
  return accountId === ctx.keys.accountId || ctx.contacts.get(accountId) !== null || ctx.store.groups.hasMember(accountId);
}

/** Per profile: the pass under way (and whether it runs every owed refresh), so the tick and a reconnect do not fetch the same lists twice at once. */
const running = new WeakMap<ChatContext, { readonly pass: Promise<number>; readonly all: boolean }>();

/**
 * Runs the owed refreshes (at most LIST_REFRESH_PER_RUN per pass): those
 * due, or every one with `all` (on a new connection: a failure that backed
 * off was most likely the connection that just came back). Returns how many
 * lists were recorded. Offline: nothing tried, the next connection runs it.
 */
export function runOwedRefreshes(ctx: ChatContext, all = false): Promise<number> {
  const under = running.get(ctx);
  if (under && (under.all || !all)) return under.pass;
  const pass = (under ? under.pass.then(() => runPass(ctx, all), () => runPass(ctx, all)) : runPass(ctx, all)).finally(() => {
    if (running.get(ctx)?.pass === pass) running.delete(ctx);
  });
  running.set(ctx, { pass, all });
  return pass;
}

async function runPass(ctx: ChatContext, all: boolean): Promise<number> {
  const client = ctx.link.client;
  if (!client || !ctx.store.db.open) return 0;
  let recorded = 0;
  for (const r of ctx.store.listRefreshes.due(all ? Infinity : ctx.now(), LIST_REFRESH_PER_RUN)) {
    if (!ctx.store.db.open) break;
    if (!stillWanted(ctx, r.accountId)) ctx.store.listRefreshes.clear(r.accountId, r.notes);
    else if (await refreshNoted(ctx, client, r.accountId)) recorded++;
  }
  if (recorded > 0) {
    ctx.events.contactsChanged();
    ctx.events.devicesChanged();
  }
  return recorded;
}
