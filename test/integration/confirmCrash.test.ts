/**
 * A crash between the relay's answers and the commit that confirms them
 * (confirmations are coalesced, several send frames per commit) loses
 * nothing and shows nothing twice: the profile reopens with those texts
 * still queued in its outbox, sends them again, and the receiver, who got
 * them before the crash, shows each text once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, eventually, TEST_PASSPHRASE, type TestUser } from '../support/chatHarness';
import { startTestRelay } from '../support/relayHarness';
import { bundleChild, runChild } from '../support/crashChild';
import { LocalStore } from '../../src/main/store';
import { CONFIRM_COALESCE_MAX, RELAY_MAX_SEND_RECIPIENTS } from '../../src/shared/constants';

const COUNT = 300;
/** Envelopes the relay takes before the crash: fewer than one confirming commit takes. */
const TAKE = 100;
const RUN_TIMEOUT_MS = 120_000;

let relay: Awaited<ReturnType<typeof startTestRelay>>;
let childJs = '';
const users: TestUser[] = [];

beforeAll(async () => {
  relay = await startTestRelay();
  childJs = await bundleChild('confirmCrashChild');
});

afterAll(async () => {
  for (const u of users) await u.messenger.close().catch(() => undefined);
  await relay?.close();
});

describe('a crash before coalesced confirmations are committed', () => {
  it('sends the texts the relay took again after the restart, and the receiver shows each once', async () => {
    // The crash lands inside one coalescing window: what the relay took before it is less than one confirming commit.
    expect(TAKE + RELAY_MAX_SEND_RECIPIENTS).toBeLessThan(CONFIRM_COALESCE_MAX);
    const ann = await createUser('Ann Confirm', relay.url);
    const ben = await createUser('Ben Confirm', relay.url);
    users.push(ben);
    await ann.messenger.contacts.add(ben.messenger.account.invite(), 'Ben');
    const to = ben.messenger.keys.accountId;
    await ann.messenger.close();
    const env = { PROFILE_DIR: ann.dir, RELAY_URL: relay.url, PASSPHRASE: TEST_PASSPHRASE, TO: to };

    const crashed = await runChild(childJs, { ...env, COUNT: String(COUNT), TAKE: String(TAKE) }, (out) => /taken \d+\n/.test(out), RUN_TIMEOUT_MS);
    expect(crashed.err).toBe('');
    expect(crashed.killed).toBe(true);
    expect(Number(/taken (\d+)/.exec(crashed.out)![1])).toBeGreaterThanOrEqual(TAKE);
    // The receiver got the texts the relay took before the crash (at least TAKE; other content may share the frames)...
    await eventually(() => ben.inbox.length >= TAKE, 30_000);
    // ...while the sender's store still holds all of it in the outbox: nothing was confirmed.
    const store = await LocalStore.open({ dir: ann.dir, passphrase: TEST_PASSPHRASE });
    try {
      const texts = store.messages.page(to, 500).filter((m) => m.direction === 'out' && m.body.startsWith('text '));
      expect(texts).toHaveLength(COUNT);
      // None confirmed as sent: queued, or delivered where Ben's receipt reached the child before the kill (the outbox still holds it).
      expect(texts.filter((m) => m.state !== 'queued' && m.state !== 'delivered')).toEqual([]);
      expect(store.delivery.outbox(500).length).toBeGreaterThanOrEqual(COUNT);
    } finally {
      store.close();
    }

    const last = await runChild(childJs, env, () => false, RUN_TIMEOUT_MS);
    expect(last.err).toBe('');
    expect(last.out).toContain('done');
    await eventually(() => ben.inbox.length >= COUNT, 60_000);
    await new Promise((r) => setTimeout(r, 500)); // repeats, had any been shown, would have arrived by now
    // Every incoming row is one of the texts: no repeat, and no placeholder for a repeat that failed to decrypt.
    const shown = ben.messenger.conversations.history(ann.messenger.keys.accountId, 500).filter((m) => m.direction === 'in').map((m) => m.body);
    expect(shown.sort()).toEqual(Array.from({ length: COUNT }, (_, i) => `text ${i}`).sort());
    expect(ben.inbox.filter((m) => m.text.startsWith('text ')).length).toBe(COUNT);
  }, 300_000);
});
