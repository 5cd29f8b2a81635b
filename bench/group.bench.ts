/**
 * npm run bench:group — one 100-byte message to groups of 10, 100 and 1,000
 * members (one device each), side by side in one run, on the real path:
 * two real profiles (encrypted SQLite store files), a real relay in its own
 * process on loopback, and `messenger.groups.sendText`, which the app, the
 * CLI and the tests use:
 * - sender keys: Alice's profile with the default GroupDelivery
 *   (MultiUpload): chain step and message row committed, then ONE kind-4
 *   sendMulti upload to every member device;
 * - pairwise fan-out, the baseline (what 1:1 sessions would do): Bob's
 *   profile with `groupDelivery: 'pairwise'`: the same sender-key message
 *   inside a 1:1 content encrypted over each member's session (ratchet step,
 *   session record, outbox and resend log in one transaction), then the
 *   outbox flushed in send frames.
 * Members are real relay accounts made in-process (identity, account key,
 * signed device list, signed prekey and last-resort KEM prekey published
 * on the relay); both profiles add them as contacts through the invite
 * path (device list fetched, session started from the served bundle) and
 * create the groups; the first message of each group hands out the sender
 * key, so the measured sends are the steady state. Client CPU
 * (process.cpuUsage; the relay is another process) from the call until the
 * outbox is empty, median of several runs, each side's runs in a row (so
 * each pays for collecting its own garbage, not the other side's); bytes are the frames the client
 * sends. The membership change is Alice removing one member of the
 * 1,000-member group: the new signed version and the new master key to the
 * 999 remaining devices, until the relay has it all. BENCH_RUNS scales the
 * runs. Then the recipient's side: opening one epoch's envelopes with the
 * session layer's epoch cache and without it. The last line is the JSON.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sodium from 'libsodium-wrappers-sumo';
import WebSocket from 'ws';
import { Messenger } from '../src/main/messenger/messenger';
import { toBase64Url } from '../src/shared/wire/encoding';
import { addAsContacts, relayAccounts } from '../test/support/relayMembers';
import { testKeychain } from '../test/support/testKeychain';
import { TEST_PWHASH } from '../test/support/chatHarness';
import { startRelayProcess } from './relayChild';
import { EnvelopeKind, unseal } from '../src/main/session/sealedSender';
import { sealMulti } from '../src/main/session/multiSeal';
import { SealEpochs } from '../src/main/session/sealEpochs';
import { OpenCache } from '../src/main/session/openCache';
import { spliceEnvelope } from '../src/shared/wire/multiSend';
import { sealDevice, sealSender } from '../test/support/sealKeys';

const SIZES = [10, 100, 1_000] as const;
const RUNS = Number(process.env['BENCH_RUNS'] ?? 1);
const runsFor = (n: number): number => Math.max(3, Math.round((n === 1_000 ? 15 : n === 100 ? 15 : 21) * RUNS));
const MESSAGE_BYTES = 100;
const OPEN_ENVELOPES = 1_000;
const log = (s: string): void => void process.stdout.write(`${s}\n`);
const seconds = (t0: number): string => ((performance.now() - t0) / 1000).toFixed(1);

// Bytes the client hands its relay sockets (every frame, text or binary), for the upload sizes.
let sentBytes = 0;
const wsSend = WebSocket.prototype.send;
WebSocket.prototype.send = function (this: WebSocket, data: Parameters<WebSocket['send']>[0], ...rest: unknown[]) {
  sentBytes += typeof data === 'string' ? Buffer.byteLength(data) : (data as ArrayBufferView).byteLength;
  return (wsSend as (...a: unknown[]) => void).call(this, data, ...rest);
} as WebSocket['send'];

await sodium.ready;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-bench-group-'));
const relay = await startRelayProcess();
process.once('exit', () => relay.proc.kill('SIGTERM')); // also when the benchmark throws
const profile = async (name: string, groupDelivery: 'multiUpload' | 'pairwise'): Promise<Messenger> => {
  const { messenger } = await Messenger.create({ dir: path.join(tmp, name), displayName: name, relayUrl: relay.url, keychain: testKeychain(new Uint8Array(randomBytes(32))), pwhash: TEST_PWHASH, groupDelivery });
  if (!(await messenger.waitOnline())) throw new Error(`bench: ${name} is offline`);
  return messenger;
};
const alice = await profile('Alice', 'multiUpload');
const bob = await profile('Bob', 'pairwise');

let t0 = performance.now();
const members = await relayAccounts(relay.url, SIZES.at(-1)!);
log(`group: ${members.length} member accounts published in ${seconds(t0)} s`);
t0 = performance.now();
for (const m of [alice, bob]) {
  await addAsContacts(m, relay.url, members, (i) => `Member ${i}`);
  await drained(m);
}
log(`group: both profiles added ${members.length} contacts (sessions from served bundles) in ${seconds(t0)} s`);

/** Flushes until the outbox is empty: everything sent has reached the relay. */
async function drained(m: Messenger): Promise<void> {
  while (m.store.delivery.outbox(1).length > 0) await m.conversations.flush();
}

/**
 * The recipient's side: one member device opens OPEN_ENVELOPES version 4 envelopes of one sender epoch with `unseal`
 * as receiveBatch calls it, with the session layer's epoch cache (session/openCache.ts) and without it (one X25519
 * per envelope), alternating rounds so both see the same machine. Median µs per envelope.
 */
function openingSideBySide(): { cached: number; uncached: number } {
  const me = sealDevice();
  const epochs = new SealEpochs();
  const from = sealSender();
  const envelopes = Array.from({ length: OPEN_ENVELOPES }, () => {
    const s = sealMulti(epochs, 'bench', [me.publicKey], from, EnvelopeKind.senderKey, new Uint8Array(randomBytes(MESSAGE_BYTES + 60)));
    return spliceEnvelope(s.shared, s.entries[0]!);
  });
  const round = (cache?: OpenCache): number => {
    const t = performance.now();
    for (const e of envelopes) unseal(e, me.x25519, undefined, cache);
    return ((performance.now() - t) * 1000) / envelopes.length;
  };
  const cached: number[] = [];
  const uncached: number[] = [];
  for (let r = 0; r < 7; r++) {
    const cache = new OpenCache();
    cached.push(round(cache));
    cache.clear();
    uncached.push(round());
  }
  return { cached: Number(median(cached).toFixed(1)), uncached: Number(median(uncached).toFixed(1)) };
}

const cpuMs = async (f: () => Promise<void>): Promise<{ ms: number; bytes: number }> => {
  const bytes0 = sentBytes;
  const before = process.cpuUsage();
  await f();
  const d = process.cpuUsage(before);
  return { ms: (d.user + d.system) / 1000, bytes: sentBytes - bytes0 };
};

/** One group message, from the call until the relay holds it for every member device. */
async function send(m: Messenger, groupId: string): Promise<void> {
  await m.groups.sendText(groupId, toBase64Url(new Uint8Array(randomBytes(MESSAGE_BYTES))).slice(0, MESSAGE_BYTES));
  await drained(m);
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const senderKeyMs: number[] = [];
const fanoutMs: number[] = [];
const uploadBytes: number[] = [];
const fanoutBytes: number[] = [];
const groups = new Map<number, { alice: string; bob: string }>();
for (const n of SIZES) {
  t0 = performance.now();
  const g = { alice: (await alice.groups.create(`Bench ${n}`, members.slice(0, n))).id, bob: (await bob.groups.create(`Bench ${n}`, members.slice(0, n))).id };
  groups.set(n, g);
  // The first message hands out each sender's chain over the pairwise sessions; the ones after it are the steady state.
  await send(alice, g.alice);
  await send(bob, g.bob);
  log(`${n} members: groups created and sender keys handed out in ${seconds(t0)} s`);
  const sk: number[] = [];
  const fo: number[] = [];
  let skBytes = 0;
  let foBytes = 0;
  // One side's runs, then the other's (both in this process, one after the other): interleaved, each sender-key send
  // (≈ 1 MB of garbage) paid for collecting the fan-out send before it (tens of MB), which moved its median by 5–10 ms.
  for (let r = 0; r < runsFor(n); r++) {
    const a = await cpuMs(() => send(alice, g.alice));
    sk.push(a.ms);
    skBytes = a.bytes;
  }
  for (let r = 0; r < runsFor(n); r++) {
    const b = await cpuMs(() => send(bob, g.bob));
    fo.push(b.ms);
    foBytes = b.bytes;
  }
  senderKeyMs.push(Number(median(sk).toFixed(2)));
  fanoutMs.push(Number(median(fo).toFixed(2)));
  uploadBytes.push(skBytes);
  fanoutBytes.push(foBytes);
  const goal = Math.round(foBytes / n) + 100 * n;
  log(`${n} members: sender key ${median(sk).toFixed(2)} ms, ${skBytes} B | fan-out ${median(fo).toFixed(2)} ms, ${foBytes} B | ratio ${(median(fo) / median(sk)).toFixed(1)}x | upload goal (one 1:1 send + 100 B × ${n}) ${goal} B: ${skBytes <= goal ? 'met' : 'missed'}`);
}

// One membership change in the 1,000-member group: what the admin waits for, then until the relay holds it all.
const big = groups.get(SIZES.at(-1)!)!.alice;
let changeWallMs = 0;
const change = await cpuMs(async () => {
  const w0 = performance.now();
  await alice.groups.remove(big, [members[SIZES.at(-1)! - 1]!]);
  changeWallMs = performance.now() - w0;
  await drained(alice);
});
const membershipChange1000Ms = Number(change.ms.toFixed(2));
const after = await cpuMs(() => send(alice, big));
log(`membership change at ${SIZES.at(-1)}: ${membershipChange1000Ms} ms CPU to the relay (remove() returned after ${changeWallMs.toFixed(0)} ms), ${change.bytes} B | goal < 2000 ms: ${membershipChange1000Ms < 2000 ? 'met' : 'missed'}`);
log(`first send after it (a fresh chain handed out to ${SIZES.at(-1)! - 1} devices, then the upload): ${after.ms.toFixed(2)} ms, ${after.bytes} B`);
log(`fan-out bytes uploaded: ${JSON.stringify(fanoutBytes)}`);
const ratio1000 = Number((fanoutMs.at(-1)! / senderKeyMs.at(-1)!).toFixed(1));
const openUs = openingSideBySide();
log(`opening a member's group envelopes (${OPEN_ENVELOPES} of one epoch, the receive path's unseal): epoch cache ${openUs.cached} µs | one DH each ${openUs.uncached} µs per envelope | ratio ${(openUs.uncached / openUs.cached).toFixed(1)}x`);
await alice.close();
await bob.close();
relay.proc.kill('SIGTERM');
fs.rmSync(tmp, { recursive: true, force: true });
log(JSON.stringify({ members: [...SIZES], senderKeyMs, fanoutMs, uploadBytes, ratio1000, membershipChange1000Ms, openUs }));
process.exit(0);
