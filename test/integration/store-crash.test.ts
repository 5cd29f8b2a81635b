/**
 * SIGKILL at random points of the receive and send loops (≥ 200 kills), with
 * the real ratchet engine and a real encrypted SQLite file. After the last
 * restart every message is present exactly once, both ratchets agree, and the
 * outbox resent whatever the relay had not confirmed.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { bundleChild } from '../support/crashChild';
import sodium from 'libsodium-wrappers-sumo';
import { beforeAll, describe, expect, it } from 'vitest';
import { encryptMessage } from '../../src/main/protocol/session';
import { LocalStore } from '../../src/main/store/store';
import { SecretKey } from '../../src/main/store/secretKey';
import { ALICE, CONVERSATION } from '../support/storeCrashChild';
import { bytes, establishedPair, recordOf, text } from '../support/protocolDevice';
import { repoRoot } from '../support/paths';
import { tempDir } from '../support/storeFixture';

const KILLS = 200;
// Enough work that 200 kills never run out of it: a run gets through ~15 messages before its kill
// (cold code), so 1,500 each left too little margin once the store got faster (a CI run saw 156 kills).
const N_IN = 4000;
const N_OUT = 4000;
const MAX_KILL_DELAY_MS = 25;
const RUN_TIMEOUT_MS = 20_000;

let childJs = '';

beforeAll(async () => {
  childJs = await bundleChild('storeCrashChild');
});

interface Run { readonly code: number | null; readonly signal: NodeJS.Signals | null; readonly out: string; readonly err: string }

function runChild(env: Record<string, string>, killAfterReadyMs: number | null): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [childJs], { env: { ...process.env, ...env, NODE_PATH: path.join(repoRoot, 'node_modules') }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const guard = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (killAfterReadyMs !== null && out.includes('ready')) {
        if (killAfterReadyMs === 0) child.kill('SIGKILL');
        else setTimeout(() => child.kill('SIGKILL'), killAfterReadyMs);
        killAfterReadyMs = null;
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

describe('store under SIGKILL', () => {
  it('keeps every message exactly once, the ratchets in step and the outbox complete across 200 kills', async () => {
    await sodium.ready;
    const dir = tempDir('parley-crash-');
    const key = sodium.randombytes_buf(32);
    const { alice, bob } = await establishedPair();
    const aliceAddr = { ...ALICE };
    // Alice's messages, as the relay would hold them.
    const inbox: string[] = [];
    for (let i = 0; i < N_IN; i++) {
      const ct = alice.encrypt(bob.address, bytes(`alice-${i}`));
      inbox.push(JSON.stringify({ id: `env-${i}`, ct: Buffer.from(ct).toString('base64') }));
    }
    fs.writeFileSync(path.join(dir, 'inbox.jsonl'), `${inbox.join('\n')}\n`);
    const setup = LocalStore.fromKey(path.join(dir, 'parley.db'), new SecretKey(key.slice()));
    setup.protocol.setIdentityKeyPairSync(bob.identity.serialize());
    setup.protocol.storeSessionSync(aliceAddr, recordOf(bob, alice));
    setup.messages.upsertConversation({ id: CONVERSATION, kind: 'direct', peerAccountId: ALICE.accountId, title: '', expireTimerMs: null });
    setup.close();

    const env = { STORE_DIR: dir, STORE_KEY: sodium.to_hex(key), N_OUT: String(N_OUT) };
    let kills = 0;
    for (let i = 0; i < KILLS; i++) {
      const r = await runChild(env, Math.floor(Math.random() * MAX_KILL_DELAY_MS));
      expect(r.err).toBe('');
      if (r.signal === 'SIGKILL') kills++;
      else expect(r.code).toBe(0);
    }
    expect(kills).toBeGreaterThanOrEqual(KILLS * 0.95);
    // Every kill landed while work remained: the loops were interrupted, not idle.
    const ackedBeforeLast = fs.readFileSync(path.join(dir, 'relay-acked.log'), 'utf8').split('\n').filter(Boolean).length;
    expect(ackedBeforeLast).toBeGreaterThan(0);
    expect(ackedBeforeLast).toBeLessThan(N_IN);
    const last = await runChild(env, null);
    expect(last.err).toBe('');
    expect(last.out).toContain('done');

    const store = LocalStore.fromKey(path.join(dir, 'parley.db'), new SecretKey(key.slice()));
    const incoming = store.db.prepare(`SELECT id, body FROM messages WHERE direction = 'in' ORDER BY rowid`).all() as { id: string; body: string }[];
    expect(incoming.map((m) => m.body)).toEqual(Array.from({ length: N_IN }, (_, i) => `alice-${i}`));
    expect(incoming.map((m) => m.id)).toEqual(Array.from({ length: N_IN }, (_, i) => `in-env-${i}`));
    expect(store.delivery.pendingAcks()).toEqual([]);
    expect(store.delivery.outbox()).toEqual([]);
    expect(store.db.prepare(`SELECT count(*) FROM messages WHERE direction = 'out' AND state = 'sent'`).pluck().get()).toBe(N_OUT);
    const bobRecord = store.protocol.loadSessionSync(aliceAddr);
    store.close();

    const ackedIds = new Set(fs.readFileSync(path.join(dir, 'relay-acked.log'), 'utf8').split('\n').filter(Boolean));
    expect(ackedIds.size).toBe(N_IN);
    // Alice reads what reached the relay, dropping resends of the same outbox entry: each of Bob's messages once, in order.
    const seen = new Set<number>();
    const got: string[] = [];
    for (const line of fs.readFileSync(path.join(dir, 'relay-sent.log'), 'utf8').split('\n').filter(Boolean)) {
      const { outboxId, ct } = JSON.parse(line) as { outboxId: number; ct: string };
      if (seen.has(outboxId)) continue;
      seen.add(outboxId);
      got.push(text(alice.decrypt(bob.address, Buffer.from(ct, 'base64'))));
    }
    expect(got).toEqual(Array.from({ length: N_OUT }, (_, i) => `bob-${i}`));
    // And the stored ratchet still talks to Alice's.
    const after = encryptMessage(bobRecord, bytes('after the crashes'));
    expect(text(alice.decrypt(bob.address, after.ciphertext))).toBe('after the crashes');
  }, 180_000);
});
