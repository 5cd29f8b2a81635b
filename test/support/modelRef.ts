/** How model commands name a device and an account (shared by the 1:1 and the group commands). */
import { ACCOUNT_NAMES } from './modelWorld';
import type { Model, ModelDevice } from './modelCommands';

/** An account's display name. */
export const acct = (i: number): string => ACCOUNT_NAMES[i]!;

/** The current (not revoked) devices of an account, oldest first. */
export const currentOf = (m: Model, account: number): ModelDevice[] => m.devices.filter((d) => d.account === account && d.current);

/**
 * A device as commands name it: the k-th current device of an account
 * (oldest first, k taken modulo their number), so a command always lands on
 * a device that exists. Shown as `Ann[k]`, plus `=A2` once resolved in a run.
 */
export class Ref {
  #name: string | null = null;
  constructor(readonly account: number, readonly k: number) {}
  resolve(m: Model): ModelDevice {
    const cur = currentOf(m, this.account);
    const d = cur[this.k % cur.length]!;
    this.#name = d.name;
    return d;
  }
  toString(): string {
    return `${acct(this.account)}[${this.k}]${this.#name ? `=${this.#name}` : ''}`;
  }
}
