/**
 * What the CLI says about a contact whose key is in question (issue 13 §1):
 * a new key awaiting acceptance, or two conflicting new keys, of which
 * neither is accepted until the user verifies. Printed by `contacts` and
 * `health`, as the app shows it in the conversation header. Pure.
 */
import type { Messenger } from '../main/messenger/messenger';
import type { ContactRow } from '../main/store/contacts';

/** A contact's key warning: its machine-readable code and the sentence a person reads. */
export interface ContactWarning {
  readonly code: 'identity-conflict' | 'identity-changed';
  readonly text: string;
}

/** The warning for `c`, or null when its key is not in question. */
export function contactWarning(c: ContactRow): ContactWarning | null {
  if (c.conflictAccountId) {
    return {
      code: 'identity-conflict',
      text: `WARNING: two different new safety numbers arrived for ${c.name}; someone else holds their old key. Sending is blocked. Compare both with ${c.name} in the app and keep the one that matches.`,
    };
  }
  if (c.pendingAccountId) return { code: 'identity-changed', text: `${c.name}’s safety number changed; sending is blocked until it is accepted in the app.` };
  return null;
}

/** A contact as `contacts` prints it in JSON (and the daemon returns it): with the warning code when its key is in question. */
export function contactJson(c: ContactRow): { name: string; accountId: string; trust: string; warning?: ContactWarning['code'] } {
  const w = contactWarning(c);
  return { name: c.name, accountId: c.accountId, trust: c.trust, ...(w ? { warning: w.code } : {}) };
}

/** What `revoke` did: the device removed and, with `--secure`, whether the account was secured and its new recovery phrase. */
export type RevokeOutcome = { revoked: string } | { revoked: string; secured: boolean; recoveryPhrase: string };

/** Revokes a device and, when asked, secures the account ("Remove and secure": a new account key and phrase, the old key retired on the relay). */
export async function revokeAndSecure(messenger: Messenger, deviceId: string, secure: boolean): Promise<RevokeOutcome> {
  await messenger.devices.revokeDevice(deviceId);
  if (!secure) return { revoked: deviceId };
  const { phrase, secured } = await messenger.devices.secureAccount();
  confirmPrinted(messenger, phrase);
  return { revoked: deviceId, secured, recoveryPhrase: phrase };
}

/** The human line for a revoke: with --secure, the new phrase to write down (the old one no longer restores anything). */
export function revokedLine(o: RevokeOutcome): string {
  if (!('recoveryPhrase' in o)) return `Revoked ${o.revoked}.`;
  const state = o.secured ? 'The account is secured: the old account key is retired on the relay and the old backup deleted.' : 'The account key is rotated; retiring the old key on the relay did not finish and is retried on the next connection (see “audit”).';
  return `Revoked ${o.revoked}. ${state}\nYour new recovery phrase (write it down; the old one no longer works):\n${o.recoveryPhrase}`;
}

/** The CLI prints a new phrase exactly once and keeps no copy: it counts as confirmed (the app asks for three words instead). */
export function confirmPrinted(messenger: Messenger, phrase: string): void {
  const words = phrase.split(' ');
  messenger.account.confirmPhrase([0, 11, 23].map((index) => ({ index, word: words[index]! })));
}
