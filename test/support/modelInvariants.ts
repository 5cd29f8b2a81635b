/**
 * The invariants the model test checks once a scenario is quiet (every
 * current device open, online, drained and flushed). Each violation names
 * its invariant, so a run can be limited to some of them with
 * PARLEY_MODEL_CHECKS=name,name (see INVARIANTS).
 */
import type { Messenger } from '../../src/main/messenger/messenger';
import type { Model, ModelText } from './modelCommands';
import { CANARY } from './modelCommands';
import type { World } from './modelWorld';
import { allRows, deliveryState, filesContaining, isPlaceholder, settle, shownWithToken } from './modelObserve';

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

/** The conversation a text lives in on a device of `account`. */
const peerOf = (world: World, t: ModelText, account: number): string => world.accountId(account === t.fromAccount ? t.to : t.fromAccount);

function checkText(model: Model, world: World, t: ModelText, out: Violation[]): void {
  const senderCurrent = model.devices.some((d) => d.name === t.from && d.current);
  if (!senderCurrent) return; // only texts of current devices are promised
  for (const d of model.devices) {
    if (!d.current || (d.account !== t.fromAccount && d.account !== t.to)) continue;
    const m = world.messenger(d.name);
    const shown = shownWithToken(m, peerOf(world, t, d.account), t.token);
    const where = `${t.token} (${t.from} → ${['Ann', 'Ben', 'Cai'][t.to]}) on ${d.name}`;
    if (t.deleted) {
      if (shown.length > 0) out.push({ invariant: 'deletesWin', detail: `${where}: deleted but shown ${shown.length}×` });
      continue;
    }
    const must = d.name === t.from || t.mustShow.has(d.name);
    if (shown.length > 1 || (must && shown.length === 0)) out.push({ invariant: 'exactlyOnce', detail: `${where}: shown ${shown.length}×${must ? '' : ' (linked later, at most once)'}` });
    if (shown.length === 1 && shown[0]!.body !== t.body) out.push({ invariant: 'edits', detail: `${where}: shows “${shown[0]!.body}”, latest is “${t.body}”` });
  }
  if (!t.deleted) {
    const state = deliveryState(world.messenger(t.from), t.id);
    if (state !== 'delivered' && state !== 'read' && state !== 'failed') out.push({ invariant: 'states', detail: `${t.token} on its sender ${t.from}: state ${state ?? 'missing'}` });
  }
}

/** Checks every invariant but the canary on the quiet system (all current devices open). */
export function checkState(model: Model, world: World): Violation[] {
  const out: Violation[] = [];
  for (const t of model.texts) checkText(model, world, t, out);
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
