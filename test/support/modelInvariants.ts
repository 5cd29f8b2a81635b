/**
 * The invariants the model test checks once a scenario is quiet (every
 * current device open, online, drained and flushed). Each violation names
 * its invariant, so a run can be limited to some of them with
 * PARLEY_MODEL_CHECKS=name,name (see INVARIANTS).
 */
import type { Messenger } from '../../src/main/messenger/messenger';
import type { Message } from '../../src/main/store';
import type { Model, ModelDevice, ModelText } from './modelCommands';
import type { World } from './modelWorld';
import { allRows, CANARY, deliveryState, filesContaining, isPlaceholder, settle, shownWithToken } from './modelObserve';
import { conversationOf, isMember } from './modelGroups';
import { acct } from './modelRef';

/** Every invariant, by the name a violation carries. */
export const INVARIANTS = {
  commands: 'every command the model allows succeeds (or fails with the typed error the model expects)',
  quiet: 'the system becomes quiet: nothing left in outboxes, pending acks or relay queues',
  exactlyOnce: 'a text sent by a current device shows exactly once on every current device that must show it, and never twice anywhere',
  edits: 'a shown text shows its latest edit',
  deletesWin: 'a text deleted for everyone shows nowhere, whatever arrived first',
  states: 'a sent text ends delivered (or read), or failed (not delivered): never stuck in sent or queued',
  placeholders: 'no placeholder for an undecryptable message is left once both sides are online',
  canary: 'no plaintext in any file under the profile dirs and the relay data dir',
  groupPrivacy: 'a group text never shows on a device of an account that was not a member when it was sent (removed before, or added after)',
  groupMembership: 'every current device of a member account shows the group with the same name, members and admins as the model; no device of an account that left or was removed shows itself a member',
} as const;

/** The name of one invariant (a key of INVARIANTS). */
export type InvariantName = keyof typeof INVARIANTS;

/** One broken invariant, with what was seen. */
export interface Violation {
  readonly invariant: InvariantName;
  readonly detail: string;
}

/** How long a scenario may take to become quiet once everything is back online. */
export const SETTLE_TIMEOUT_MS = 8_000;

/** Brings every current device back (open, online) and waits for quiet; revoked devices are closed. */
export async function quiesce(model: Model, world: World): Promise<Violation[]> {
  for (const d of model.devices) {
    if (!d.current) {
      await world.close(d.name);
      continue;
    }
    world.setOnline(d.name, true);
    d.online = true;
    if (!d.open) await world.open(d.name);
    d.open = true;
  }
  const devices = model.devices.filter((d) => d.current).map((d) => ({ name: d.name, messenger: world.messenger(d.name) }));
  const busy = await settle(devices, () => world.relay, SETTLE_TIMEOUT_MS);
  return busy ? [{ invariant: 'quiet', detail: `still busy after ${SETTLE_TIMEOUT_MS} ms: ${busy}` }] : [];
}

/** The shown copies of a text on one device that must (or may) show it: once (or at most once), with its latest edit, or nowhere once deleted. */
function checkShown(t: ModelText, d: ModelDevice, shown: readonly Message[], where: string, out: Violation[]): void {
  if (t.deleted) {
    if (shown.length > 0) out.push({ invariant: 'deletesWin', detail: `${where}: deleted but shown ${shown.length}×` });
    return;
  }
  const must = d.name === t.from || t.mustShow.has(d.name);
  if (shown.length > 1 || (must && shown.length === 0)) out.push({ invariant: 'exactlyOnce', detail: `${where}: shown ${shown.length}×${must ? '' : ' (linked later, at most once)'}` });
  if (shown.length === 1 && shown[0]!.body !== t.body) out.push({ invariant: 'edits', detail: `${where}: shows “${shown[0]!.body}”, latest is “${t.body}”` });
}

/** A sent text ends delivered, read or failed on its sender. */
function checkSent(world: World, t: ModelText, out: Violation[]): void {
  const state = deliveryState(world.messenger(t.from), t.id);
  if (state !== 'delivered' && state !== 'read' && state !== 'failed') out.push({ invariant: 'states', detail: `${t.token} on its sender ${t.from}: state ${state ?? 'missing'}` });
}

const senderCurrent = (model: Model, t: ModelText): boolean => model.devices.some((d) => d.name === t.from && d.current);

function checkText(model: Model, world: World, t: ModelText, out: Violation[]): void {
  if (!senderCurrent(model, t)) return; // only texts of current devices are promised
  for (const d of model.devices) {
    if (!d.current || (d.account !== t.fromAccount && d.account !== t.to)) continue;
    const shown = shownWithToken(world.messenger(d.name), conversationOf(world, t, d.account), t.token);
    checkShown(t, d, shown, `${t.token} (${t.from} → ${acct(t.to)}) on ${d.name}`, out);
  }
  if (!t.deleted) checkSent(world, t, out);
}

/**
 * A group text on every current device: exactly once on each device that
 * must show it while its account (and the sender's) stayed a member since
 * the send (with its latest edit, or nowhere once deleted), at most once on
 * the devices of accounts that left or were removed since, and never on a
 * device of an account that was not a member when it was sent.
 */
function checkGroupText(model: Model, world: World, t: ModelText, out: Violation[]): void {
  const g = t.group!;
  if (!senderCurrent(model, t)) return;
  for (const d of model.devices) {
    if (!d.current) continue;
    const shown = shownWithToken(world.messenger(d.name), g.id, t.token);
    const where = `${t.token} (${t.from} → group) on ${d.name}`;
    if (!g.atSend.has(d.account)) {
      if (shown.length > 0) out.push({ invariant: 'groupPrivacy', detail: `${where}: ${acct(d.account)} was not a member when it was sent, but it shows ${shown.length}×` });
    } else if (!g.stillIn.has(d.account) || !g.stillIn.has(t.fromAccount)) {
      // Gone since the send: no later edits or deletes reach it, and a copy arriving after its removal is refused.
      if (shown.length > 1) out.push({ invariant: 'exactlyOnce', detail: `${where}: shown ${shown.length}× (left since, at most once)` });
    } else checkShown(t, d, shown, where, out);
  }
  // Confirmed by someone who stayed a member since the send (receipts go to the author only).
  if (!t.deleted && g.stillIn.has(t.fromAccount) && [...g.stillIn].some((a) => a !== t.fromAccount)) checkSent(world, t, out);
}

/**
 * Every current device of a member account shows the group as a member,
 * with the model's name and members (same order, same roles); a device of
 * an account that left or was removed does not show itself a member.
 */
function checkGroups(model: Model, world: World, out: Violation[]): void {
  for (const g of model.groups) {
    if (g.unpromised) continue; // a version of it may have been lost with a revoked device (modelGroups.ts unpromiseRevoked)
    const want = g.members.map((x) => `${acct(x.account)}${x.admin ? '*' : ''}`).join(',');
    for (const d of model.devices.filter((x) => x.current)) {
      const info = world.messenger(d.name).groups.list().find((x) => x.id === g.id);
      if (!isMember(g, d.account)) {
        if (info?.status === 'member') out.push({ invariant: 'groupMembership', detail: `${g.name} on ${d.name}: shows itself a member, but ${acct(d.account)} is not` });
        continue;
      }
      const seen = info ? info.members.map((x) => `${acct(world.accountIds.indexOf(x.accountId))}${x.role === 'admin' ? '*' : ''}`).join(',') : '(unknown)';
      if (info?.status !== 'member' || seen !== want || info.name !== g.name) {
        out.push({ invariant: 'groupMembership', detail: `${g.name} on ${d.name}: ${info?.status ?? 'unknown'} “${info?.name ?? ''}” [${seen}], model “${g.name}” [${want}]` });
      }
    }
  }
}

/** Checks every invariant but the canary on the quiet system (all current devices open). */
export function checkState(model: Model, world: World): Violation[] {
  const out: Violation[] = [];
  for (const t of model.texts) (t.group ? checkGroupText : checkText)(model, world, t, out);
  checkGroups(model, world, out);
  for (const d of model.devices.filter((x) => x.current)) {
    const m: Messenger = world.messenger(d.name);
    const left = allRows(m).filter(isPlaceholder);
    if (left.length > 0) out.push({ invariant: 'placeholders', detail: `${d.name}: ${left.length} unrepaired placeholder(s)` });
  }
  return out;
}

/** The canary check, on the closed files of the scenario. */
export function checkFiles(world: World): Violation[] {
  return filesContaining(world.dir, CANARY).map((f) => ({ invariant: 'canary', detail: `plaintext in ${f}` }));
}

/** The invariants selected by PARLEY_MODEL_CHECKS (all by default). */
export function selectedInvariants(env: string | undefined): Set<InvariantName> {
  const all = Object.keys(INVARIANTS) as InvariantName[];
  if (!env) return new Set(all);
  const names = env.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(n in INVARIANTS));
  if (unknown.length > 0) throw new Error(`PARLEY_MODEL_CHECKS: unknown invariant(s) ${unknown.join(', ')}; known: ${all.join(', ')}`);
  return new Set(names as InvariantName[]);
}
