/**
 * What a hostile relay does in the model-based test, as commands over the
 * one hostile proxy every device connects through (modelRelay.ts). None of
 * them may break a promise: the relay may delay, reorder, repeat and cut,
 * and once it stops (the quiesce step ends all of it) every text still shows
 * exactly once, nothing stays a placeholder and every queue empties. So the
 * invariants are unchanged; the model only tracks which devices are
 * withheld from, so that a release follows a withholding.
 *
 * - withhold: the relay drops every envelope it pushes to a device (unacked,
 *   so it keeps them) until it lets them through again;
 * - let through: later pushes reach the device while the withheld ones stay
 *   owed — newer envelopes overtake them;
 * - withhold the next push or two: the same in one step (a sender key
 *   withheld while the group text after it passes, say);
 * - hang up: the relay closes the device's connection (and stops any
 *   withholding); the device reconnects and is offered what it never acked,
 *   after the newer ones it already has: a reorder;
 * - hang up at the next push: the connection drops mid-stream, the envelope
 *   on the way lost with it (offered again on the next connection);
 * - replay: an envelope frame the device was already delivered comes again
 *   (to be dropped as a duplicate, only acked).
 */
import fc from 'fast-check';
import type { Model } from './modelCommands';
import type { World } from './modelWorld';
import { Ref } from './modelRef';

type Cmd = fc.AsyncCommand<Model, World>;

class Withhold implements Cmd {
  constructor(readonly dev: Ref) {}
  check(m: Model): boolean {
    return !m.withheld.has(this.dev.resolve(m).name);
  }
  async run(m: Model, w: World): Promise<void> {
    const d = this.dev.resolve(m);
    m.withheld.add(d.name);
    w.hostile.withhold(w.device(d.name).deviceId, true);
    await Promise.resolve();
  }
  toString(): string {
    return `the relay withholds what it pushes to ${this.dev}`;
  }
}

class LetThrough implements Cmd {
  #name = '';
  constructor(readonly pick: number) {}
  check(m: Model): boolean {
    return m.withheld.size > 0;
  }
  async run(m: Model, w: World): Promise<void> {
    const name = [...m.withheld][this.pick % m.withheld.size]!;
    this.#name = `=${name}`;
    m.withheld.delete(name);
    w.hostile.withhold(w.device(name).deviceId, false);
    await Promise.resolve();
  }
  toString(): string {
    return `the relay lets later pushes through to withheld device #${this.pick}${this.#name}, still owing the withheld ones`;
  }
}

class WithholdNext implements Cmd {
  constructor(readonly dev: Ref, readonly n: number) {}
  check(): boolean {
    return true;
  }
  async run(m: Model, w: World): Promise<void> {
    w.hostile.withholdNext(w.device(this.dev.resolve(m).name).deviceId, this.n);
    await Promise.resolve();
  }
  toString(): string {
    return `the relay withholds the next ${this.n} push(es) to ${this.dev} and lets later ones overtake them`;
  }
}

class HangUp implements Cmd {
  constructor(readonly dev: Ref) {}
  check(): boolean {
    return true;
  }
  async run(m: Model, w: World): Promise<void> {
    const d = this.dev.resolve(m);
    m.withheld.delete(d.name);
    const id = w.device(d.name).deviceId;
    w.hostile.withhold(id, false);
    const owed = w.hostile.hangUp(id);
    if (owed > 0) m.notes.push(`${this.toString()}: ${owed} withheld envelope push(es) to be offered again`);
    await Promise.resolve();
  }
  toString(): string {
    return `the relay hangs up on ${this.dev}`;
  }
}

class HangUpMidPush implements Cmd {
  constructor(readonly dev: Ref) {}
  check(): boolean {
    return true;
  }
  async run(m: Model, w: World): Promise<void> {
    w.hostile.hangUpAtNextPush(w.device(this.dev.resolve(m).name).deviceId);
    await Promise.resolve();
  }
  toString(): string {
    return `the relay hangs up on ${this.dev} at its next push`;
  }
}

class Replay implements Cmd {
  constructor(readonly dev: Ref, readonly pick: number) {}
  check(m: Model): boolean {
    const d = this.dev.resolve(m);
    return d.open && d.online;
  }
  async run(m: Model, w: World): Promise<void> {
    const d = this.dev.resolve(m);
    if (w.hostile.replay(w.device(d.name).deviceId, this.pick)) m.notes.push(`${this.toString()}: replayed`);
    else m.notes.push(`${this.toString()}: skipped, nothing delivered to it on a live connection yet`);
    await Promise.resolve();
  }
  toString(): string {
    return `the relay replays envelope #${this.pick} already delivered to ${this.dev}`;
  }
}

const device = fc.tuple(fc.integer({ min: 0, max: 2 }), fc.nat({ max: 1 })).map(([a, k]) => new Ref(a, k));

/** The hostile relay's commands, weighted for the command mix of modelCommands.ts. */
export const hostileCommands: { arbitrary: fc.Arbitrary<Cmd>; weight: number }[] = [
  { arbitrary: device.map((d) => new Withhold(d)), weight: 3 },
  { arbitrary: fc.nat({ max: 3 }).map((p) => new LetThrough(p)), weight: 2 },
  { arbitrary: fc.tuple(device, fc.integer({ min: 1, max: 2 })).map(([d, n]) => new WithholdNext(d, n)), weight: 3 },
  { arbitrary: device.map((d) => new HangUp(d)), weight: 2 },
  { arbitrary: device.map((d) => new HangUpMidPush(d)), weight: 1 },
  { arbitrary: fc.tuple(device, fc.nat({ max: 31 })).map(([d, p]) => new Replay(d, p)), weight: 2 },
];

/** Ends every hostility before the quiet check: withholding and traps stop, and devices still owed envelopes are hung up on. */
export function releaseHostile(m: Model, w: World): void {
  m.withheld.clear();
  const owed = w.hostile.releaseAll();
  if (owed > 0) m.notes.push(`quiesce: the relay stops withholding; ${owed} withheld envelope push(es) to be offered again`);
}
