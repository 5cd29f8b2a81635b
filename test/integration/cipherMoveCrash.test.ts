/**
 * A process killed while it rewrites every page of a store, either moving
 * the file from a legacy page cipher (SQLCipher v4 or chacha20) to the
 * current one (AEGIS-256) or rotating the database key, leaves a store that opens with
 * every row in it. Both are one rollback-journal transaction, and the opener
 * rolls an interrupted one back through the cipher the journal was written
 * in (`parley.db-cipher` names it) before it does anything else.
 */
import fs from 'node:fs';
import path from 'node:path';
import sodium from 'libsodium-wrappers-sumo';
import { beforeAll, describe, expect, it } from 'vitest';
import { LocalStore } from '../../src/main/store';
import type { NewMessage } from '../../src/main/store/messages';
import { bundleChild, runChild } from '../support/crashChild';
import { LEGACY_CIPHERS, schemeOfFile, toLegacyCipher } from '../support/legacyCipher';
import { conv, FAST_PWHASH, rawKeyStore, reopen, tempDir } from '../support/storeFixture';

const MESSAGES = 40_000;
const KILLS = 8;
const RUN_TIMEOUT_MS = 60_000;
const PASSPHRASE = 'cipher crash passphrase';

let childJs = '';

/** What the store holds, condensed: row counts and a digest of every body in order. */
function digest(s: LocalStore): string {
  const bodies = s.db.prepare('SELECT id, body FROM messages ORDER BY rowid').all() as { id: string; body: string }[];
  const h = sodium.crypto_generichash(32, bodies.map((b) => `${b.id}:${b.body}`).join('\n'), null);
  const sessions = s.db.prepare('SELECT count(*) FROM sessions').pluck().get() as number;
  return `${bodies.length}/${sessions}/${sodium.to_hex(h)}`;
}

function seed(store: LocalStore): string {
  store.protocol.storeSessionSync({ accountId: 'acct-m', deviceId: 'd1' }, new Uint8Array(64).fill(9));
  for (let c = 0; c < 4; c++) store.messages.upsertConversation(conv(`c${c}`));
  const ms: NewMessage[] = [];
  for (let i = 0; i < MESSAGES; i++) ms.push({ id: `m${i}`, conversationId: `c${i % 4}`, sender: 'acct-m', direction: 'in', body: `message ${i}: a text of ordinary length for a chat`, sentAt: i, receivedAt: i, state: 'delivered' });
  store.messages.insertMany(ms);
  return digest(store);
}

/** A copy of every file of `from` (a profile directory) in a new directory. */
function copyDir(from: string): string {
  const to = tempDir('parley-cipher-crash-');
  for (const f of fs.readdirSync(from)) fs.copyFileSync(path.join(from, f), path.join(to, f));
  return to;
}

/** Runs the child once per kill point, spread over the measured length of its work, and checks each result. */
async function killAcross(
  fresh: () => Record<string, string>, check: (env: Record<string, string>) => void | Promise<void>,
  /** Whether the files a killed run left show it died inside the work (looked at before `check` reopens). */
  midWork: (env: Record<string, string>) => boolean,
): Promise<{ interrupted: number; midWork: number }> {
  const whole = fresh();
  // The clean run also times the window in which `midWork` holds (the page rewrite), polled from here.
  let startedAt = 0;
  const seen: number[] = [];
  const poll = setInterval(() => void (startedAt > 0 && midWork(whole) && seen.push(performance.now() - startedAt)), 1);
  const clean = await runChild(childJs, whole, (out) => {
    if (startedAt === 0 && out.includes('start\n')) startedAt = performance.now();
    return false;
  }, RUN_TIMEOUT_MS).finally(() => clearInterval(poll));
  expect(clean.err).toBe('');
  const workMs = Number(/done (\d+)/.exec(clean.out)?.[1]);
  expect(workMs).toBeGreaterThan(0);
  await check(whole);
  // Kill points spread over the whole work, and half as many again inside the window seen (a short rewrite on a busy machine was missed by all).
  const delays = Array.from({ length: KILLS }, (_, k) => ((k + 0.5) / KILLS) * workMs * 1.2);
  if (seen.length > 0) {
    const [from, to] = [Math.min(...seen), Math.max(...seen)];
    for (let k = 0; k < KILLS / 2; k++) delays.push(from + ((k + 0.5) / (KILLS / 2)) * (to - from));
  }
  let interrupted = 0;
  let inside = 0;
  for (const at of delays) {
    const env = fresh();
    const delay = Math.max(1, Math.round(at));
    const run = await runChild(childJs, env, (out) => out.includes('start\n'), RUN_TIMEOUT_MS, delay);
    expect(run.err).toBe('');
    if (run.killed && !run.out.includes('done')) interrupted++;
    if (run.killed && midWork(env)) inside++;
    await check(env);
  }
  return { interrupted, midWork: inside };
}

beforeAll(async () => {
  childJs = await bundleChild('cipherMoveChild');
}, 60_000);

describe('rewriting every page of a store', () => {
  it.each(LEGACY_CIPHERS)('leaves a store that opens with every row when killed at any point of the move from %s to the current page cipher', async (legacy) => {
    const made = await rawKeyStore();
    const expected = seed(made.store);
    made.store.close();
    toLegacyCipher(made.dbPath, made.key, legacy);
    const key = sodium.to_hex(made.key);
    const { interrupted, midWork } = await killAcross(
      () => {
        const dir = copyDir(made.dir);
        return { MODE: 'move', STORE_DIR: dir, STORE_PATH: path.join(dir, 'parley.db'), STORE_KEY: key };
      },
      (env) => {
        const s = reopen(env['STORE_PATH']!, made.key);
        try {
          s.verify();
          expect(digest(s)).toBe(expected);
        } finally {
          s.close();
        }
        expect(schemeOfFile(env['STORE_PATH']!, made.key)).toBe('aegis');
        expect(fs.existsSync(`${env['STORE_PATH']!}.moving`)).toBe(false);
      },
      (env) => fs.existsSync(`${env['STORE_PATH']!}.moving`), // killed while the copy was made or re-keyed
    );
    // The kills were spread over the move: most landed inside it, some while its copy was being written.
    expect(interrupted).toBeGreaterThanOrEqual(KILLS / 2);
    expect(midWork).toBeGreaterThanOrEqual(1);
  }, 300_000);

  it('leaves a store that opens with every row when killed at any point of a key rotation', async () => {
    const dir = tempDir();
    const store = await LocalStore.create({ dir, passphrase: PASSPHRASE, pwhash: FAST_PWHASH });
    const expected = seed(store);
    store.close();
    const { interrupted, midWork } = await killAcross(
      () => ({ MODE: 'rotate', STORE_DIR: copyDir(dir), PASSPHRASE }),
      async (env) => {
        const s = await LocalStore.open({ dir: env['STORE_DIR']!, passphrase: PASSPHRASE });
        try {
          s.verify();
          expect(digest(s)).toBe(expected);
        } finally {
          s.close();
        }
        expect(fs.existsSync(path.join(env['STORE_DIR']!, 'parley.keys.next'))).toBe(false);
      },
      (env) => { // killed inside the page rewrite's transaction: its rollback journal is hot
        const journal = path.join(env['STORE_DIR']!, 'parley.db-journal');
        return fs.existsSync(journal) && fs.statSync(journal).size > 0;
      },
    );
    expect(interrupted).toBeGreaterThanOrEqual(KILLS / 2);
    expect(midWork).toBeGreaterThanOrEqual(1);
  }, 300_000);
});
