/**
 * A crash during a batched catch-up loses nothing and duplicates nothing.
 * Two contacts write while Bob is closed; Bob's profile then catches up in
 * a child process that is SIGKILLed again and again: at random points of
 * its batches, and between a batch's commit and its ack. A last run
 * finishes; every text is stored exactly once,
 * nothing is left to ack or to receipt, and every sender sees every text
 * delivered (the receipts owed in the receive transactions all went out).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { bundleChild } from '../support/crashChild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, eventually, TEST_PASSPHRASE, type TestUser } from '../support/chatHarness';
import { startTestRelay } from '../support/relayHarness';
import { repoRoot } from '../support/paths';
import { LocalStore } from '../../src/main/store';

const PER_SENDER = 400;
const RANDOM_KILLS = 16;
const ACK_KILLS = 3;
const MAX_KILL_DELAY_MS = 300;
const RUN_TIMEOUT_MS = 120_000;

let relay: Awaited<ReturnType<typeof startTestRelay>>;
let childJs = '';
const users: TestUser[] = [];

beforeAll(async () => {
  relay = await startTestRelay();
  childJs = await bundleChild('catchupCrashChild');
});

afterAll(async () => {
  for (const u of users) await u.messenger.close().catch(() => undefined);
  await relay?.close();
});

interface Run { readonly signal: NodeJS.Signals | null; readonly code: number | null; readonly out: string; readonly err: string }

/** Runs the child; kills it `killMs` after "online" (or at its first "commit" with CRASH_AT_ACK), or lets it finish when null. */
function runChild(env: Record<string, string>, killMs: number | null): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [childJs], { env: { ...process.env, ...env, NODE_PATH: path.join(repoRoot, 'node_modules') }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let armed = killMs !== null;
    const guard = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (env['CRASH_AT_ACK'] === '1' && out.includes('commit\n')) child.kill('SIGKILL');
      else if (armed && out.includes('online\n')) {
        armed = false;
        setTimeout(() => child.kill('SIGKILL'), killMs!);
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, out, err });
    });
  });
}

/** How many incoming texts Bob's profile holds now. */
async function incomingCount(dir: string): Promise<number> {
  const store = await LocalStore.open({ dir, passphrase: TEST_PASSPHRASE });
  try {
    return [...store.messages.unreadCounts().values()].reduce((a, b) => a + b, 0);
  } finally {
    store.close();
  }
}

/** Incoming texts stored in Bob's profile, by conversation, sorted (each exactly once is the claim). */
async function storedTexts(dir: string, conversations: readonly string[]): Promise<Map<string, string[]>> {
  const store = await LocalStore.open({ dir, passphrase: TEST_PASSPHRASE });
  try {
    const out = new Map<string, string[]>();
    for (const c of conversations) out.set(c, store.messages.page(c, PER_SENDER + 10).filter((m) => m.direction === 'in').map((m) => m.body).sort());
    expect(store.delivery.pendingAcks()).toEqual([]);
    return out;
  } finally {
    store.close();
  }
}

describe('a crash during a catch-up batch', () => {
  it('loses nothing and duplicates nothing when the catching-up process is killed at random points of its batches', async () => {
    const ann = await createUser('Ann Crash', relay.url);
    const cai = await createUser('Cai Crash', relay.url);
    const bob = await createUser('Bob Crash', relay.url);
    users.push(ann, cai);
    const invite = bob.messenger.account.invite();
    await bob.messenger.close();
    await ann.messenger.contacts.add(invite, 'Bob');
    await cai.messenger.contacts.add(invite, 'Bob');
    const bobId = ann.messenger.contacts.list()[0]!.accountId;
    const sent: { user: TestUser; id: string }[] = [];
    for (let i = 0; i < PER_SENDER; i++) {
      for (const [u, name] of [[ann, 'ann'], [cai, 'cai']] as const) sent.push({ user: u, id: (await u.messenger.conversations.sendText(bobId, `${name}-${i}`)).id });
    }
    await eventually(() => ann.messenger.store.delivery.outbox(1).length === 0 && cai.messenger.store.delivery.outbox(1).length === 0, 60_000);

    const env = { PROFILE_DIR: bob.dir, RELAY_URL: relay.url, PASSPHRASE: TEST_PASSPHRASE, EXPECT: String(PER_SENDER * 2) };
    const committed: number[] = [];
    for (let i = 0; i < RANDOM_KILLS + ACK_KILLS; i++) {
      // The first kill lands between a batch commit and its ack (so one kill always leaves a partial catch-up); then one in four.
      const atAck = i % 4 === 0;
      const r = await runChild(atAck ? { ...env, CRASH_AT_ACK: '1' } : env, atAck ? RUN_TIMEOUT_MS : Math.floor(Math.random() * MAX_KILL_DELAY_MS));
      expect(r.err).toBe('');
      if (r.out.includes('done\n')) break;
      expect(r.signal).toBe('SIGKILL');
      committed.push(await incomingCount(bob.dir));
    }
    const last = await runChild(env, null);
    expect(last.err).toBe('');
    expect(last.out).toContain('done');
    // Kills landed while the catch-up was under way, not only before it or after it.
    expect(committed.some((n) => n > 0 && n < PER_SENDER * 2), committed.join(', ')).toBe(true);

    const texts = await storedTexts(bob.dir, [ann.messenger.keys.accountId, cai.messenger.keys.accountId]);
    expect(texts.get(ann.messenger.keys.accountId)).toEqual(Array.from({ length: PER_SENDER }, (_, i) => `ann-${i}`).sort());
    expect(texts.get(cai.messenger.keys.accountId)).toEqual(Array.from({ length: PER_SENDER }, (_, i) => `cai-${i}`).sort());
    await eventually(() => sent.every((s) => s.user.messenger.store.messages.get(s.id)?.state === 'delivered'), 60_000);
  }, 600_000);
});
