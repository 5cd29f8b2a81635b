/**
 * Groups in the model-based test: commands that create a group, send to it,
 * add and remove members, leave and rename (the invariants on groups are in
 * modelInvariants.ts).
 *
 * The model keeps each group's members (in order, with the admin role as
 * the state machine assigns it) and the number of signed versions made. A
 * membership change is made only from a device that holds every version
 * made so far (else the command is skipped with a note): changes are then
 * never concurrent, so the model's membership is exact (forks and their
 * resolution are covered by test/integration/groups.test.ts). A group text
 * is sent only from such a caught-up device too: what "a member at send
 * time" means is then the same for the model and for the sender.
 */
import fc from 'fast-check';
import { isParleyError } from '../../src/shared/errors';
import type { Model, ModelDevice, ModelText } from './modelCommands';
import type { World } from './modelWorld';
import { CANARY } from './modelObserve';
import { acct, Ref } from './modelRef';

/** One member in the model, in the order the signed state keeps them. */
interface ModelMember {
  readonly account: number;
  admin: boolean;
}

/** A group as the model expects every member device to show it. */
export interface ModelGroup {
  readonly id: string;
  name: string;
  members: ModelMember[];
  /** Signed versions made (the create included); a device holding fewer is behind. */
  versions: number;
  /** The devices that made a version (see `unpromiseRevoked`). */
  readonly makers: Set<string>;
  /** Why the group's state is no longer promised (null while it is). */
  unpromised: string | null;
}

/** Most groups created in one scenario. */
export const MAX_GROUPS = 2;

type Cmd = fc.AsyncCommand<Model, World>;
export const isMember = (g: ModelGroup, account: number): boolean => g.members.some((m) => m.account === account);
const isAdmin = (g: ModelGroup, account: number): boolean => g.members.some((m) => m.account === account && m.admin);
let tokenCounter = 0;

/** The group picked by `pick` (modulo), or undefined when there is none. */
const groupOf = (m: Model, pick: number): ModelGroup | undefined => m.groups[pick % Math.max(1, m.groups.length)];

/** How long a command waits for an online device to catch up with a group before it is skipped. */
const CATCH_UP_MS = 400;

/**
 * Whether the device holds every version of the group made so far and
 * shows itself a member there — waiting a little while it is online, as a
 * person would wait to see the change; when not, the command is skipped
 * with a note (see the file comment).
 */
async function caughtUp(m: Model, w: World, device: ModelDevice, g: ModelGroup, what: string): Promise<boolean> {
  const messenger = w.messenger(device.name);
  const held = (): number => (messenger.store.groups.get(g.id) ? messenger.store.groups.versions(g.id).length : 0);
  const ok = (): boolean => held() === g.versions && messenger.store.groups.get(g.id)?.status === 'member';
  const end = Date.now() + (device.online ? CATCH_UP_MS : 0);
  while (!ok() && Date.now() < end) {
    await messenger.conversations.drain();
    await new Promise((r) => setTimeout(r, 20));
  }
  if (ok()) return true;
  m.notes.push(`${what}: skipped, ${device.name} holds ${held()} of ${g.versions} versions (${messenger.store.groups.get(g.id)?.status ?? 'unknown group'})`);
  return false;
}

/** Drops the account from the group and from every text's continuous members; the first left becomes admin if no admin is left. */
function drop(m: Model, g: ModelGroup, account: number): void {
  g.members = g.members.filter((x) => x.account !== account);
  if (g.members.length > 0 && !g.members.some((x) => x.admin)) g.members[0]!.admin = true;
  for (const t of m.texts) if (t.group?.id === g.id) t.group.stillIn.delete(account);
}

class CreateGroup implements Cmd {
  constructor(readonly by: Ref, readonly others: readonly number[]) {}
  check(m: Model): boolean {
    return m.groups.length < MAX_GROUPS && this.by.resolve(m).open;
  }
  async run(m: Model, w: World): Promise<void> {
    const d = this.by.resolve(m);
    const messenger = w.messenger(d.name);
    const known = new Set(messenger.contacts.list().map((c) => c.accountId));
    const others = this.others.filter((a) => a !== d.account && known.has(w.accountId(a)));
    const name = `g${m.groups.length + 1}`;
    const g = await messenger.groups.create(name, others.map((a) => w.accountId(a)));
    m.groups.push({ id: g.id, name, versions: 1, makers: new Set([d.name]), unpromised: null, members: [{ account: d.account, admin: true }, ...others.map((a) => ({ account: a, admin: false }))] });
    m.notes.push(`${this.toString()}: ${name} with ${others.map(acct).join(', ') || 'nobody else'}`);
  }
  toString(): string {
    return `${this.by} creates a group with ${this.others.map(acct).join(', ')}`;
  }
}

class SendGroupText implements Cmd {
  constructor(readonly by: Ref, readonly pick: number) {}
  check(m: Model): boolean {
    const g = groupOf(m, this.pick);
    const d = this.by.resolve(m);
    return !!g && d.open && isMember(g, d.account);
  }
  async run(m: Model, w: World): Promise<void> {
    const g = groupOf(m, this.pick)!;
    const d = this.by.resolve(m);
    if (!(await caughtUp(m, w, d, g, this.toString()))) return;
    const token = `t${++tokenCounter}g`;
    const body = `${token} ${CANARY} from ${d.name} to ${g.name}`;
    const sent = await w.messenger(d.name).groups.sendText(g.id, body);
    const members = new Set(g.members.map((x) => x.account));
    const mustShow = new Set(m.devices.filter((x) => x.current && x.name !== d.name && members.has(x.account)).map((x) => x.name));
    m.texts.push({ token, id: sent.id, from: d.name, fromAccount: d.account, to: -1, mustShow, body, deleted: false, edits: 0, group: { id: g.id, atSend: members, stillIn: new Set(members) } });
  }
  toString(): string {
    return `${this.by} writes to group #${this.pick}`;
  }
}

/** A membership or name change by a caught-up device (see the file comment). */
class ChangeGroup implements Cmd {
  constructor(readonly by: Ref, readonly pick: number, readonly kind: 'add' | 'remove' | 'leave' | 'rename', readonly target: number) {}
  check(m: Model): boolean {
    const g = groupOf(m, this.pick);
    const d = this.by.resolve(m);
    if (!g || !d.open || !isMember(g, d.account)) return false;
    if (this.kind === 'leave') return true;
    if (!isAdmin(g, d.account)) return false;
    if (this.kind === 'add') return !isMember(g, this.target);
    if (this.kind === 'remove') return this.target !== d.account && isMember(g, this.target);
    return true;
  }
  async run(m: Model, w: World): Promise<void> {
    const g = groupOf(m, this.pick)!;
    const d = this.by.resolve(m);
    if (!(await caughtUp(m, w, d, g, this.toString()))) return;
    const groups = w.messenger(d.name).groups;
    const target = w.accountId(this.target);
    const renamed = `${g.name.split('~')[0]}~${g.versions}`;
    try {
      if (this.kind === 'add') await groups.add(g.id, [target]);
      else if (this.kind === 'remove') await groups.remove(g.id, [target]);
      else if (this.kind === 'leave') await groups.leave(g.id);
      else await groups.rename(g.id, renamed);
    } catch (e) {
      // Only contacts can be added: a device that does not know the account yet refuses, typed, and nothing changed.
      if (this.kind === 'add' && isParleyError(e) && e.code === 'GROUP_BAD_MEMBER') {
        m.notes.push(`${this.toString()}: refused (${e.code}), ${acct(this.target)} is not a contact of ${d.name} yet`);
        return;
      }
      throw e;
    }
    g.versions++;
    g.makers.add(d.name);
    if (this.kind === 'add') g.members.push({ account: this.target, admin: false });
    else if (this.kind === 'remove') drop(m, g, this.target);
    else if (this.kind === 'leave') drop(m, g, d.account);
    else g.name = renamed;
  }
  toString(): string {
    const what = this.kind === 'leave' ? 'leaves' : this.kind === 'rename' ? 'renames' : `${this.kind}s ${acct(this.target)} ${this.kind === 'add' ? 'to' : 'from'}`;
    return `${this.by} ${what} group #${this.pick}`;
  }
}

const device = fc.tuple(fc.integer({ min: 0, max: 2 }), fc.nat({ max: 1 })).map(([a, k]) => new Ref(a, k));
const groupPick = fc.nat({ max: 1 });

/** The group commands, with their weights in the command mix (the first, creating a group, also goes in the prelude). */
export const groupCommands: { arbitrary: fc.Arbitrary<Cmd>; weight: number }[] = [
  { arbitrary: fc.tuple(device, fc.subarray([0, 1, 2], { minLength: 1 })).map(([d, o]) => new CreateGroup(d, o)), weight: 3 },
  { arbitrary: fc.tuple(device, groupPick).map(([d, p]) => new SendGroupText(d, p)), weight: 10 },
  {
    arbitrary: fc.tuple(device, groupPick, fc.constantFrom('add', 'remove', 'leave', 'rename') as fc.Arbitrary<ChangeGroup['kind']>, fc.integer({ min: 0, max: 2 }))
      .map(([d, p, k, t]) => new ChangeGroup(d, p, k, t)),
    weight: 5,
  },
];

/**
 * Before `target` is revoked: a group version made on it that has not left it
 * yet (still in its outbox or resend log, or it is closed and cannot be
 * asked) is lost with it — the relay refuses a revoked device, and no other
 * device holds it. So, as a revoked device's texts (only texts of current
 * devices are promised), the state of a group it made a version of is no
 * longer promised then. Seed 20261236, path 54:0:10:10:10: B2 made a group
 * and was revoked while the creation still sat in its outbox; B1 never knew
 * the group, and could not.
 */
export function unpromiseRevoked(m: Model, w: World, target: ModelDevice): void {
  const messenger = w.device(target.name).messenger;
  const waiting = messenger ? messenger.store.delivery.outbox(1).length + messenger.store.repairs.unsent(1).length : -1;
  if (waiting === 0) return;
  for (const g of m.groups) {
    if (g.unpromised || !g.makers.has(target.name)) continue;
    g.unpromised = `${target.name}, which made a version, was revoked ${waiting < 0 ? 'while closed' : 'with content not yet sent'}`;
    m.notes.push(`${g.name}: state no longer promised: ${g.unpromised}`);
  }
}

/** The conversation a text lives in on a device of `account`: the group, or the other account's. */
export function conversationOf(world: World, t: ModelText, account: number): string {
  if (t.group) return t.group.id;
  return world.accountId(account === t.fromAccount ? t.to : t.fromAccount);
}
