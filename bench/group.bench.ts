/**
 * npm run bench:group — one 100-byte message to groups of 10, 100 and 1,000
 * members (one device each), side by side in one run, from a real profile
 * (encrypted SQLite store) to a real relay in its own process on loopback:
 * - sender-key style: the message encrypted once (a stand-in for the group
 *   layer's SenderKeyMessage: chain step, AEAD, Ed25519 signature, chain
 *   position committed), then Messenger.deliverMulti: the version 4
 *   multi-seal and sendMulti uploads. Warm: the group's seal epoch is open
 *   (the steady state: a key wrap per member); cold: the first send of an
 *   epoch (a new ephemeral key and one X25519 per member; the static DH
 *   values are cached, as for a group sent to before);
 * - pairwise fan-out, the baseline, through the real 1:1 session path:
 *   SessionLayer.encryptFor per member (ratchet step, session record
 *   sealed and written, version 2 sealed envelope) in one transaction with
 *   the outbox and resend log, as queueContent does, then the outbox
 *   flushed in send frames as doFlush does.
 * Client CPU (process.cpuUsage, the relay is another process) per message,
 * median of several runs after a warm-up, and bytes uploaded (frames as
 * sent). Sessions with every member are established both ways first, as in
 * a group whose members have talked. BENCH_RUNS scales the runs. The last
 * line is the JSON.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sodium from 'libsodium-wrappers-sumo';
import { Messenger } from '../src/main/messenger/messenger';
import { generateIdentityKey, generateOneTimeKemPreKeys, generateSignedPreKey, type IdentityKeyPair } from '../src/main/protocol';
import { bundleFromKeys } from '../src/main/protocol/bundle';
import { RelayClient } from '../src/main/relayClient/client';
import { RelayLink } from '../src/main/relayClient/relayLink';
import { generateSigningKey, signDeviceList } from '../src/main/relayClient/signing';
import { EnvelopeKind, ContentHint } from '../src/main/session/sealedSender';
import { SessionLayer } from '../src/main/session/sessionLayer';
import { RELAY_MAX_SEND_BYTES, RELAY_MAX_SEND_RECIPIENTS } from '../src/shared/constants';
import { concatBytes, toBase64Url } from '../src/shared/wire/encoding';
import { MemoryProtocolStore } from '../test/support/memoryStores';
import { SessionDriver } from '../test/support/sessionDriver';
import { testKeychain } from '../test/support/testKeychain';
import { TEST_PWHASH } from '../test/support/chatHarness';
import { startRelayProcess } from './relayChild';

const SIZES = [10, 100, 1_000] as const;
const RUNS = Number(process.env['BENCH_RUNS'] ?? 1);
const runsFor = (n: number): number => Math.max(3, Math.round((n === 1_000 ? 15 : n === 100 ? 21 : 31) * RUNS));
const MESSAGE_BYTES = 100;
const log = (s: string): void => void process.stdout.write(`${s}\n`);

await sodium.ready;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-bench-group-'));
const relay = await startRelayProcess();
const { messenger: alice } = await Messenger.create({ dir: path.join(tmp, 'alice'), displayName: 'Alice', relayUrl: relay.url, keychain: testKeychain(new Uint8Array(randomBytes(32))), pwhash: TEST_PWHASH });
if (!(await alice.waitOnline())) throw new Error('bench: Alice is offline');
const aliceAddress = { accountId: alice.keys.accountId, deviceId: alice.keys.deviceId };

// The 1:1 session layer on Alice's store and keys, as Messenger builds it (its link is never started: encryptFor does not use it).
const idleLink = new RelayLink({ url: relay.url, accountId: alice.keys.accountId, device: alice.keys.deviceSigner, registration: () => undefined, onState: () => undefined, onOnline: async () => undefined, onMessages: () => undefined });
const layer = new SessionLayer({ store: alice.store, keys: () => alice.keys, listed: () => [], link: idleLink, audit: () => undefined, now: Date.now });
const aliceDriver = new SessionDriver(alice.store.protocol, alice.keys.identity, Date.now, (w) => alice.store.db.transaction(w)());

interface Member {
  readonly address: { accountId: string; deviceId: string };
  readonly identity: IdentityKeyPair;
}

/** A member device: registered on the relay, with a session both ways with Alice. */
async function member(i: number): Promise<Member> {
  const identity = generateIdentityKey();
  const account = await generateSigningKey();
  const device = { id: toBase64Url(identity.publicKey), secretKey: identity.signingSecretKey };
  const address = { accountId: account.id, deviceId: device.id };
  const client = await RelayClient.connect(relay.url);
  await client.authenticate(account.id, device, signDeviceList(account, 1, [{ deviceId: device.id, addedAt: Date.now() }], device));
  await client.close();
  const records = new MemoryProtocolStore();
  const driver = new SessionDriver(records, identity);
  const spk = generateSignedPreKey(identity, 1);
  const kem = generateOneTimeKemPreKeys(identity, 1, 1)[0]!;
  records.putPreKeyRecordSync('signed', 1, spk.serialize());
  records.putPreKeyRecordSync('kem', 1, kem.serialize());
  aliceDriver.startSession(address, bundleFromKeys(identity.publicKey, spk, kem));
  driver.decrypt(aliceAddress, aliceDriver.encrypt(address, new Uint8Array([i & 0xff])));
  aliceDriver.decrypt(address, driver.encrypt(aliceAddress, new Uint8Array([1])));
  return { address, identity };
}

log(`group: ${SIZES.at(-1)} member devices: registering and establishing sessions`);
const members: Member[] = [];
for (let i = 0; i < SIZES.at(-1)!; i += 25) members.push(...(await Promise.all(Array.from({ length: 25 }, (_, k) => member(i + k)))));

const fanoutClient = await RelayClient.connect(relay.url);
await fanoutClient.authenticate(alice.keys.accountId, alice.keys.deviceSigner);

/** A stand-in for the group layer's SenderKeyMessage: chain step, AEAD under the message key, Ed25519 signature, chain position committed. */
const chain: { key: Uint8Array; iteration: number } = { key: new Uint8Array(randomBytes(32)), iteration: 0 };
const signing = sodium.crypto_sign_keypair();
function senderKeyMessage(plaintext: Uint8Array): Uint8Array {
  const messageKey = sodium.crypto_auth_hmacsha256(new Uint8Array([1]), chain.key);
  chain.key = sodium.crypto_auth_hmacsha256(new Uint8Array([2]), chain.key);
  chain.iteration++;
  const head = new Uint8Array(4);
  new DataView(head.buffer).setUint32(0, chain.iteration);
  const body = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, head, null, new Uint8Array(24), messageKey);
  sodium.memzero(messageKey);
  const signed = concatBytes(head, body);
  alice.store.directory.setSetting('bench.senderKeyIteration', String(chain.iteration));
  return concatBytes(signed, sodium.crypto_sign_detached(signed, signing.privateKey));
}

const cpuMs = async (f: () => Promise<number>): Promise<{ ms: number; bytes: number }> => {
  const before = process.cpuUsage();
  const bytes = await f();
  const d = process.cpuUsage(before);
  return { ms: (d.user + d.system) / 1000, bytes };
};

async function senderKeySend(group: readonly Member[], plaintext: Uint8Array, scope: string): Promise<number> {
  const out = await alice.deliverMulti({ recipients: group.map((m) => m.address), kind: EnvelopeKind.senderKey, payload: senderKeyMessage(plaintext), hint: ContentHint.none, scope });
  if (out.delivered.length !== group.length) throw new Error(`bench: sender-key send reached ${out.delivered.length} of ${group.length}`);
  return out.uploadedBytes;
}

/** The baseline: what 1:1 sessions do for one message to every member (queueContent, then doFlush). */
async function fanoutSend(group: readonly Member[], plaintext: Uint8Array): Promise<number> {
  alice.store.db.transaction(() => {
    const outbox: { recipient: string; payload: Uint8Array }[] = [];
    const logged: { recipient: string; digest: Uint8Array | null; content: Uint8Array; messageId: string | null }[] = [];
    for (const m of group) {
      const sealed = layer.encryptFor(m.address, plaintext, ContentHint.placeholder)!;
      outbox.push({ recipient: sealed.recipient, payload: sealed.payload });
      logged.push({ recipient: sealed.recipient, digest: sealed.digest, content: plaintext, messageId: null });
    }
    alice.store.delivery.commitSend({ messageId: null, outbox });
    alice.store.repairs.logSent(logged);
  }).immediate();
  let bytes = 0;
  for (;;) {
    const entries = alice.store.delivery.outbox(RELAY_MAX_SEND_RECIPIENTS);
    if (entries.length === 0) return bytes;
    const batch: typeof entries = [];
    let size = 0;
    for (const e of entries) {
      const s = Math.ceil((e.payload.length * 4) / 3) + 200;
      if (batch.length > 0 && size + s > RELAY_MAX_SEND_BYTES) break;
      batch.push(e);
      size += s;
    }
    const messages = batch.map((e) => {
      const [accountId, deviceId] = e.recipient.split('.') as [string, string];
      return { accountId, deviceId, envelope: toBase64Url(e.payload) };
    });
    bytes += JSON.stringify({ v: 1, id: 1, type: 'send', messages }).length;
    alice.store.delivery.noteAttempts(batch.map((e) => e.id));
    await fanoutClient.send(messages);
    alice.store.delivery.confirmSent(batch.map((e) => e.id));
  }
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const senderKeyMs: number[] = [];
const coldMs: number[] = [];
const fanoutMs: number[] = [];
const uploadBytes: number[] = [];
const fanoutBytes: number[] = [];
for (const n of SIZES) {
  const group = members.slice(0, n);
  const sk: number[] = [];
  const cold: number[] = [];
  const fo: number[] = [];
  let skBytes = 0;
  let foBytes = 0;
  // One warm-up of each (static DH values and key objects cached, statements prepared), then alternating runs.
  // A cold send opens a new epoch: each run uses a scope of its own.
  await senderKeySend(group, new Uint8Array(randomBytes(MESSAGE_BYTES)), `group-${n}`);
  await senderKeySend(group, new Uint8Array(randomBytes(MESSAGE_BYTES)), `cold-${n}-warm-up`);
  await fanoutSend(group, new Uint8Array(randomBytes(MESSAGE_BYTES)));
  for (let r = 0; r < runsFor(n); r++) {
    const a = await cpuMs(() => senderKeySend(group, new Uint8Array(randomBytes(MESSAGE_BYTES)), `group-${n}`));
    const c = await cpuMs(() => senderKeySend(group, new Uint8Array(randomBytes(MESSAGE_BYTES)), `cold-${n}-${r}`));
    const b = await cpuMs(() => fanoutSend(group, new Uint8Array(randomBytes(MESSAGE_BYTES))));
    sk.push(a.ms);
    cold.push(c.ms);
    fo.push(b.ms);
    skBytes = a.bytes;
    foBytes = b.bytes;
  }
  senderKeyMs.push(Number(median(sk).toFixed(2)));
  coldMs.push(Number(median(cold).toFixed(2)));
  fanoutMs.push(Number(median(fo).toFixed(2)));
  uploadBytes.push(skBytes);
  fanoutBytes.push(foBytes);
  const goal = Math.round(foBytes / n) + 100 * n;
  log(`${n} members: sender key warm ${median(sk).toFixed(2)} ms, cold ${median(cold).toFixed(2)} ms, ${skBytes} B | fan-out ${median(fo).toFixed(2)} ms, ${foBytes} B | ratio warm ${(median(fo) / median(sk)).toFixed(1)}x, cold ${(median(fo) / median(cold)).toFixed(1)}x | upload goal (one 1:1 envelope + 100 B × ${n}) ${goal} B: ${skBytes <= goal ? 'met' : 'missed'}`);
}
const ratio1000 = Number((fanoutMs.at(-1)! / senderKeyMs.at(-1)!).toFixed(1));
log(`fan-out bytes uploaded: ${JSON.stringify(fanoutBytes)}`);
log(`sender key, cold (first send of an epoch), ms: ${JSON.stringify(coldMs)}; ratio at 1,000: ${(fanoutMs.at(-1)! / coldMs.at(-1)!).toFixed(1)}x`);
await fanoutClient.close();
await alice.close();
relay.proc.kill('SIGTERM');
fs.rmSync(tmp, { recursive: true, force: true });
log(JSON.stringify({ members: [...SIZES], senderKeyMs, fanoutMs, uploadBytes, ratio1000, membershipChange1000Ms: null }));
process.exit(0);
