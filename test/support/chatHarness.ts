/** Messenger profiles on real SQLite files talking through a real relay on loopback. */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Messenger } from '../../src/main/messenger/messenger';
import type { IncomingText } from '../../src/main/conversations/context';
import { STORE_PWHASH_MIN_MEMLIMIT, STORE_PWHASH_MIN_OPSLIMIT } from '../../src/shared/constants';

/** The store's lowest allowed Argon2id limits, to keep tests quick (the app uses the named defaults). */
export const TEST_PWHASH = { opslimit: STORE_PWHASH_MIN_OPSLIMIT, memlimit: STORE_PWHASH_MIN_MEMLIMIT };
export const TEST_PASSPHRASE = 'correct horse battery staple';

export interface TestUser {
  readonly dir: string;
  messenger: Messenger;
  readonly inbox: IncomingText[];
  readonly phrase: string;
}

export function profileDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'parley-profile-'));
}

export async function createUser(name: string, relayUrl: string): Promise<TestUser> {
  const dir = profileDir();
  const inbox: IncomingText[] = [];
  const { messenger, phrase } = await Messenger.create({
    dir,
    displayName: name,
    relayUrl,
    passphrase: TEST_PASSPHRASE,
    pwhash: TEST_PWHASH,
    events: { incomingText: (m) => inbox.push(m) },
  });
  if (!(await messenger.waitOnline())) throw new Error(`${name} could not reach the relay`);
  return { dir, messenger, inbox, phrase };
}

export async function reopen(user: TestUser, relayUrl?: string): Promise<void> {
  user.messenger = await Messenger.open({
    dir: user.dir,
    passphrase: TEST_PASSPHRASE,
    relayUrl,
    events: { incomingText: (m) => user.inbox.push(m) },
  });
}

/** Polls `check` until it is truthy or the deadline passes (the deadline only bounds a failing test). */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}
