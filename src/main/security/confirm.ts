/**
 * The main-owned confirmation that guards key operations (issue 13 §4).
 * Main decides what is asked and checks the answer; the renderer can start
 * a guarded call but can neither answer nor skip the question. Plain data
 * and one interface: the Electron shell implements it with a native dialog
 * (and a main-owned passphrase window), tests with a scripted user.
 */

/** The key operations that need the user's confirmation in main. */
export const CONFIRM_KINDS = ['phrase.show', 'phrase.rotate', 'link.accept', 'device.revoke', 'account.secure', 'export'] as const;

/** One guarded operation (`export` is Settings → Export). */
export type ConfirmKind = (typeof CONFIRM_KINDS)[number];

/** What main asks the user. Every text is built in main from main's own data, never taken from the renderer. */
export interface ConfirmRequest {
  readonly kind: ConfirmKind;
  /** One short question, e.g. `Link “Studio desktop” to your account?`. */
  readonly title: string;
  /** What happens if the user says yes. */
  readonly detail: string;
  /** The label of the button that says yes (`Link device`, `Show phrase`). */
  readonly confirmLabel: string;
  /** True when the profile has a passphrase: the user must type it to say yes. */
  readonly requirePassphrase: boolean;
}

/**
 * What the user answered. The passphrase, when asked for, is returned as
 * typed; the caller (`ConfirmGate`) checks it against the store's key file,
 * so a dialog implementation cannot get the check wrong.
 */
export type ConfirmAnswer = { readonly confirmed: false } | { readonly confirmed: true; readonly passphrase: string | null };

/** Asks the user, outside the renderer, whether a key operation may run. */
export interface Confirmer {
  /** Resolves with the user's answer; must never resolve `confirmed: true` without the user. */
  confirm(request: ConfirmRequest): Promise<ConfirmAnswer>;
}
