/**
 * The person standing at both desktops while linking (issue 13 §5): reads
 * the short code the existing desktop shows, and on the new desktop says
 * "it matches" only when the new desktop shows exactly that code. Not a
 * part of Parley: the user, as the tests need one.
 */
import { Messenger, type LinkCheck } from '../../src/main/messenger/messenger';
import type { MessengerOptions } from '../../src/main/messenger/newProfile';
import { eventually, profileDir, TEST_PASSPHRASE, TEST_PWHASH } from './chatHarness';

/** One user comparing codes across two desktops. */
export class CodeComparer {
  #shown: string | null = null;
  /** Every question the new desktop asked, in order. */
  readonly asked: LinkCheck[] = [];

  /** Reads the code on the existing desktop (what its inspectLink showed); returns what it was given. */
  saw<T extends { readonly shortCode: string }>(preview: T): T {
    this.#shown = preview.shortCode;
    return preview;
  }

  /** The new desktop's question: yes only if its code is the one seen on the existing desktop. */
  readonly confirm = (check: LinkCheck): Promise<boolean> => {
    this.asked.push(check);
    return Promise.resolve(this.#shown !== null && check.shortCode === this.#shown);
  };
}

/** Links a second desktop to `owner`'s account through `relayUrl`, the user comparing the codes; resolves once it is online. */
export async function linkDesktop(owner: Messenger, relayUrl: string, deviceName: string, events: MessengerOptions['events'] = {}): Promise<Messenger> {
  let code = '';
  const user = new CodeComparer();
  const linking = Messenger.link({ dir: profileDir(), relayUrl, deviceName, passphrase: TEST_PASSPHRASE, pwhash: TEST_PWHASH, events, onCode: (c) => (code = c), confirm: user.confirm });
  await eventually(() => code);
  user.saw(owner.devices.inspectLink(code));
  await owner.devices.acceptLink(code, null);
  const linked = await linking;
  await linked.waitOnline();
  return linked;
}
