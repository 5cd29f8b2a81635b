/**
 * The user at main's confirmation dialog, played by a test: a `Confirmer`
 * that records every question and answers from a script (queued answers
 * first, then a standing answer). It stands in for the person, not for a
 * part of Parley: the gate behind it still checks the passphrase against
 * the real key file.
 */
import type { ConfirmAnswer, ConfirmRequest, Confirmer } from '../../src/main/security/confirm';
import { TEST_PASSPHRASE } from './chatHarness';

/** The user says yes and types the test passphrase when asked for it. */
export const SAYS_YES: ConfirmAnswer = { confirmed: true, passphrase: TEST_PASSPHRASE };
/** The user says no (Cancel, Escape, or closes the dialog). */
export const SAYS_NO: ConfirmAnswer = { confirmed: false };

/** A scripted user at the dialog. */
export class ScriptedConfirmer implements Confirmer {
  /** Every question asked, in order. */
  readonly asked: ConfirmRequest[] = [];
  readonly #queue: ConfirmAnswer[] = [];
  #held: Promise<void> | null = null;

  /** `standing` answers every question nobody queued an answer for. */
  constructor(public standing: ConfirmAnswer = SAYS_NO) {}

  /** Answers the next question with `answer` (then the standing answer again). */
  next(answer: ConfirmAnswer): this {
    this.#queue.push(answer);
    return this;
  }

  /** Keeps the dialog open until the returned function is called (the user has not answered yet). */
  hold(): () => void {
    let release = () => {};
    this.#held = new Promise<void>((r) => (release = r));
    return () => {
      this.#held = null;
      release();
    };
  }

  async confirm(request: ConfirmRequest): Promise<ConfirmAnswer> {
    this.asked.push(request);
    const answer = this.#queue.shift() ?? this.standing;
    await this.#held;
    return answer;
  }
}
