/**
 * The model of the model-based test and its commands (fast-check
 * `AsyncCommand`s over a World). The model knows which devices exist and
 * are open or online, which adds were made, and every text with the devices
 * that must show it; each command checks its precondition on the model,
 * acts on the real system, and records what it did.
 */
import fc from 'fast-check';
import { isParleyError } from '../../src/shared/errors';
import { ACCOUNT_NAMES, type World } from './modelWorld';
import { CANARY, shownWithToken } from './modelObserve';
import { conversationOf, groupCommands, unpromiseRevoked, type ModelGroup } from './modelGroups';
import { acct, currentOf, Ref } from './modelRef';

/** A device in the model: open (profile running), online (network), current (not revoked). */
export interface ModelDevice {
  readonly name: string;
  readonly account: number;
  open: boolean;
  online: boolean;
  current: boolean;
}

/** A text as the model expects it: where it must show, its latest body, whether it was deleted. */
export interface ModelText {
  readonly token: string;
  readonly id: string;
  readonly from: string;
  readonly fromAccount: number;
  /** The account written to (-1 for a group text). */
  readonly to: number;
  /** For a group text: its group, the member accounts when it was sent, and those of them that stayed members since (the sender's included). */
  readonly group: { readonly id: string; readonly atSend: ReadonlySet<number>; readonly stillIn: Set<number> } | null;
  /** Devices (other than the sender) that were current when it was sent, plus devices linked later from a device that had it. */
  readonly mustShow: Set<string>;
  body: string;
  deleted: boolean;
  edits: number;
}

/** The whole model of one scenario. */
export interface Model {
  readonly devices: ModelDevice[];
  /** `a>b`: account a added account b. */
  readonly added: Set<string>;
  readonly texts: ModelText[];
  readonly groups: ModelGroup[];
  links: number;
  /** What the run did beyond the command list (skips, kill outcomes), printed with a failure. */
  readonly notes: string[];
}

/** Most devices linked in one scenario (linking is one of the slow commands). */
export const MAX_LINKS = 2;

/** Three accounts with one open, online device each, no contacts, no texts. */
export function initialModel(): Model {
  return {
    devices: ACCOUNT_NAMES.map((n, i) => ({ name: `${n[0]}1`, account: i, open: true, online: true, current: true })),
    added: new Set(),
    texts: [],
    groups: [],
    links: 0,
    notes: [],
  };
}

type Cmd = fc.AsyncCommand<Model, World>;

let tokenCounter = 0;

/** The error code of a typed error, else rethrows. */
function codeOf(e: unknown): string {
  if (isParleyError(e)) return e.code;
  throw e;
}

class AddContact implements Cmd {
  constructor(readonly by: Ref, readonly to: number) {}
  check(m: Model): boolean {
    const d = this.by.resolve(m);
    return d.open && d.online && d.account !== this.to && !m.added.has(`${d.account}>${this.to}`);
  }
  async run(m: Model, w: World): Promise<void> {
    const d = this.by.resolve(m);
    m.added.add(`${d.account}>${this.to}`);
    try {
      await w.messenger(d.name).contacts.add(w.invite(this.to), acct(this.to));
    } catch (e) {
      const code = codeOf(e);
      if (code === 'CLOSED') {
        // The connection dropped under the request (a relay restart just before): a visible, typed failure; nothing was added.
        m.added.delete(`${d.account}>${this.to}`);
        m.notes.push(`${this.toString()}: failed visibly (${code}), not added`);
        return;
      }
      throw e;
    }
  }
  toString(): string {
    return `${this.by} adds ${acct(this.to)}`;
  }
}

class SendText implements Cmd {
  constructor(readonly by: Ref, readonly to: number) {}
  check(m: Model): boolean {
    const d = this.by.resolve(m);
    return d.open && d.account !== this.to && (m.added.has(`${d.account}>${this.to}`) || m.added.has(`${this.to}>${d.account}`));
  }
  async run(m: Model, w: World): Promise<void> {
    const d = this.by.resolve(m);
    const messenger = w.messenger(d.name);
    const peerId = w.accountId(this.to);
    if (!messenger.contacts.list().some((c) => c.accountId === peerId)) {
      m.notes.push(`${this.toString()}: skipped, ${d.name} does not know ${acct(this.to)} yet`);
      return;
    }
    const token = `t${++tokenCounter}`;
    const body = `${token} ${CANARY} from ${d.name}`;
    const sent = await messenger.conversations.sendText(peerId, body);
    const mustShow = new Set(m.devices.filter((x) => x.current && x.name !== d.name && (x.account === this.to || x.account === d.account)).map((x) => x.name));
    m.texts.push({ token, id: sent.id, from: d.name, fromAccount: d.account, to: this.to, mustShow, body, deleted: false, edits: 0, group: null });
  }
  toString(): string {
    return `${this.by} writes to ${acct(this.to)}`;
  }
}

/** Texts their sender may still edit or delete: not deleted, sender current and open (edits come from the sending device), still in its group. */
const editable = (m: Model): ModelText[] => m.texts.filter((t) => !t.deleted && m.devices.some((d) => d.name === t.from && d.current && d.open) && (!t.group || t.group.stillIn.has(t.fromAccount)));

/**
 * Runs a change to a group text, or notes why the sending device refused it:
 * a device that has not yet seen the account re-added after leaving shows
 * itself no longer a member (typed GROUP_NOT_MEMBER, nothing sent).
 */
async function changeText(m: Model, t: ModelText, what: string, fn: () => Promise<unknown>): Promise<boolean> {
  try {
    await fn();
    return true;
  } catch (e) {
    if (!t.group || codeOf(e) !== 'GROUP_NOT_MEMBER') throw e;
    m.notes.push(`${what}: refused, ${t.from} is not a member there yet (GROUP_NOT_MEMBER)`);
    return false;
  }
}

class EditText implements Cmd {
  #token = '';
  constructor(readonly pick: number) {}
  check(m: Model): boolean {
    return editable(m).length > 0;
  }
  async run(m: Model, w: World): Promise<void> {
    const texts = editable(m);
    const t = texts[this.pick % texts.length]!;
    this.#token = `=${t.token}`;
    const body = `${t.token} ${CANARY} edit ${t.edits + 1}`;
    if (!(await changeText(m, t, this.toString(), () => w.messenger(t.from).conversations.editMessage(t.id, body)))) return;
    t.edits++;
    t.body = body;
  }
  toString(): string {
    return `its sender edits text #${this.pick}${this.#token}`;
  }
}

class DeleteText implements Cmd {
  #token = '';
  constructor(readonly pick: number) {}
  check(m: Model): boolean {
    return editable(m).length > 0;
  }
  async run(m: Model, w: World): Promise<void> {
    const texts = editable(m);
    const t = texts[this.pick % texts.length]!;
    this.#token = `=${t.token}`;
    if (await changeText(m, t, this.toString(), () => w.messenger(t.from).conversations.deleteMessage(t.id, true))) t.deleted = true;
  }
  toString(): string {
    return `its sender deletes text #${this.pick}${this.#token} for everyone`;
  }
}

class React implements Cmd {
  constructor(readonly by: Ref, readonly pick: number, readonly emoji: string | null) {}
  #texts(m: Model): ModelText[] {
    const d = this.by.resolve(m);
    return m.texts.filter((t) => !t.deleted && (t.group ? t.group.stillIn.has(d.account) : t.fromAccount === d.account || t.to === d.account));
  }
  check(m: Model): boolean {
    return this.by.resolve(m).open && this.#texts(m).length > 0;
  }
  async run(m: Model, w: World): Promise<void> {
    const texts = this.#texts(m);
    const t = texts[this.pick % texts.length]!;
    const d = this.by.resolve(m);
    const messenger = w.messenger(d.name);
    if (!messenger.store.messages.get(t.id)) {
      m.notes.push(`${this.toString()}: skipped, ${t.token} not on ${d.name} yet`);
      return;
    }
    await changeText(m, t, this.toString(), () => messenger.conversations.react(t.id, this.emoji));
  }
  toString(): string {
    return `${this.by} reacts ${this.emoji ?? '(none)'} to text #${this.pick}`;
  }
}

class ToggleOnline implements Cmd {
  #to = '';
  constructor(readonly dev: Ref) {}
  check(): boolean {
    return true;
  }
  async run(m: Model, w: World): Promise<void> {
    const d = this.dev.resolve(m);
    d.online = !d.online;
    this.#to = d.online ? ' (online)' : ' (offline)';
    w.setOnline(d.name, d.online);
    await Promise.resolve();
  }
  toString(): string {
    return `${this.dev} goes offline or back online${this.#to}`;
  }
}

class ToggleOpen implements Cmd {
  #to = '';
  constructor(readonly dev: Ref) {}
  check(): boolean {
    return true;
  }
  async run(m: Model, w: World): Promise<void> {
    const d = this.dev.resolve(m);
    d.open = !d.open;
    this.#to = d.open ? ' (reopened)' : ' (closed)';
    if (d.open) await w.open(d.name);
    else await w.close(d.name);
  }
  toString(): string {
    return `${this.dev} closes or reopens its profile${this.#to}`;
  }
}

class Kill implements Cmd {
  constructor(readonly dev: Ref) {}
  check(m: Model): boolean {
    return this.dev.resolve(m).online;
  }
  async run(m: Model, w: World): Promise<void> {
    const d = this.dev.resolve(m);
    d.open = false;
    const how = await w.kill(d.name);
    m.notes.push(`${this.toString()}: killed ${how === 'commit' ? 'between a commit and its ack' : 'while idle (nothing arrived)'}`);
  }
  toString(): string {
    return `${this.dev} runs in a child and is SIGKILLed between commit and ack`;
  }
}

class Link implements Cmd {
  constructor(readonly account: number) {}
  #linker(m: Model): ModelDevice | undefined {
    return currentOf(m, this.account).find((d) => d.open && d.online);
  }
  check(m: Model): boolean {
    return m.links < MAX_LINKS && currentOf(m, this.account).length < 2 && !!this.#linker(m);
  }
  async run(m: Model, w: World): Promise<void> {
    const linker = this.#linker(m)!;
    const name = `${acct(this.account)[0]}${m.devices.filter((d) => d.account === this.account).length + 1}`;
    m.links++;
    await w.link(linker.name, name);
    m.devices.push({ name, account: this.account, open: true, online: true, current: true });
    // The history the linker held at that moment comes across; texts in flight to it do not.
    const linkerMessenger = w.messenger(linker.name);
    for (const t of m.texts) {
      if (t.group ? !t.group.stillIn.has(this.account) : t.fromAccount !== this.account && t.to !== this.account) continue;
      if (!t.deleted && shownWithToken(linkerMessenger, conversationOf(w, t, this.account), t.token).length > 0) t.mustShow.add(name);
    }
  }
  toString(): string {
    return `${acct(this.account)} links a new device`;
  }
}

class Revoke implements Cmd {
  constructor(readonly account: number, readonly which: number) {}
  #pair(m: Model): [ModelDevice, ModelDevice] | null {
    const cur = currentOf(m, this.account);
    if (cur.length < 2) return null;
    const target = cur[this.which % 2]!;
    const by = cur[(this.which + 1) % 2]!;
    return by.open && by.online ? [by, target] : null;
  }
  check(m: Model): boolean {
    return this.#pair(m) !== null;
  }
  async run(m: Model, w: World): Promise<void> {
    const [by, target] = this.#pair(m)!;
    unpromiseRevoked(m, w, target);
    await w.revoke(by.name, target.name);
    target.current = false;
    m.notes.push(`${this.toString()}: ${by.name} revoked ${target.name}`);
  }
  toString(): string {
    return `${acct(this.account)} revokes its device #${this.which % 2}`;
  }
}

class RestartRelay implements Cmd {
  check(): boolean {
    return true;
  }
  async run(_m: Model, w: World): Promise<void> {
    await w.restartRelay();
  }
  toString(): string {
    return 'the relay restarts';
  }
}

const account = fc.integer({ min: 0, max: 2 });
const device = fc.tuple(account, fc.nat({ max: 1 })).map(([a, k]) => new Ref(a, k));
/** A device and another account (never its own). */
const deviceAndPeer = fc.tuple(account, fc.nat({ max: 1 }), fc.nat({ max: 1 })).map(([a, k, o]) => [new Ref(a, k), (a + 1 + o) % 3] as const);
const pick = fc.nat({ max: 7 });

/**
 * Adds at the start of a scenario, so that the commands after them find
 * contacts to write to (adds also come later, in any order), and sometimes
 * a group of the contacts its creator has by then, so that group commands
 * find a group.
 */
export const preludeArb: fc.Arbitrary<Cmd> = fc.oneof(
  { arbitrary: deviceAndPeer.map(([d, a]) => new AddContact(d, a)), weight: 3 },
  { arbitrary: groupCommands[0]!.arbitrary, weight: 1 },
);

/** The command mix: cheap commands often, the slow ones (kill, link, relay restart) rarely. */
export const commandArb: fc.Arbitrary<Cmd> = fc.oneof(
  { arbitrary: deviceAndPeer.map(([d, a]) => new AddContact(d, a)), weight: 5 },
  { arbitrary: deviceAndPeer.map(([d, a]) => new SendText(d, a)), weight: 10 },
  { arbitrary: pick.map((p) => new EditText(p)), weight: 2 },
  { arbitrary: pick.map((p) => new DeleteText(p)), weight: 2 },
  { arbitrary: fc.tuple(device, pick, fc.constantFrom('👍', '❤️', null)).map(([d, p, e]) => new React(d, p, e)), weight: 2 },
  { arbitrary: device.map((d) => new ToggleOnline(d)), weight: 3 },
  { arbitrary: device.map((d) => new ToggleOpen(d)), weight: 3 },
  { arbitrary: device.map((d) => new Kill(d)), weight: 1 },
  { arbitrary: account.map((a) => new Link(a)), weight: 1 },
  { arbitrary: fc.tuple(account, fc.nat({ max: 1 })).map(([a, k]) => new Revoke(a, k)), weight: 1 },
  { arbitrary: fc.constant(new RestartRelay()), weight: 1 },
  ...groupCommands,
);
