/**
 * The relay's multi-recipient send on SQLite and PostgreSQL: one upload
 * reaches 1,000 device mailboxes, each with its own envelope that only its
 * device opens; the recipient and byte limits and the rate limit (by
 * recipients) refuse with typed codes; unknown and ambiguous devices come
 * back in one reply with their accounts' signed lists while the rest is
 * queued; and mutated binary frames get typed refusals while the
 * connection keeps serving.
 */
import sodium from 'libsodium-wrappers-sumo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealMulti } from '../../src/main/session/multiSeal';
import { SealEpochs } from '../../src/main/session/sealEpochs';
import { EnvelopeKind, unseal } from '../../src/main/session/sealedSender';
import { generateSigningKey, signDeviceList, type SigningKey } from '../../src/main/relayClient/signing';
import { RelayClientError } from '../../src/main/relayClient/errors';
import { RelayClient } from '../../src/main/relayClient/client';
import { deviceKeyOf } from '../../src/relay/store/types';
import { RELAY_MAX_MULTI_RECIPIENTS } from '../../src/shared/constants';
import { fromBase64Url } from '../../src/shared/wire/encoding';
import { encodeSendMulti } from '../../src/shared/wire/multiSend';
import { startTestPostgres, type TestPostgres } from '../support/postgres';
import { registerDevice, startTestRelay, waitFor, type TestDevice } from '../support/relayHarness';

type Relay = Awaited<ReturnType<typeof startTestRelay>>;

const epochs = new SealEpochs();

/** An account of one device, registered by storing its signed list (setup only; the send under test is the real frame). */
interface Member {
  readonly account: SigningKey;
  readonly device: SigningKey;
  readonly key: Uint8Array;
  readonly x25519: { publicKey: Uint8Array; privateKey: Uint8Array };
}

async function member(): Promise<Member> {
  const account = await generateSigningKey();
  const device = await generateSigningKey();
  const key = fromBase64Url(device.id)!;
  return { account, device, key, x25519: { publicKey: sodium.crypto_sign_ed25519_pk_to_curve25519(key), privateKey: sodium.crypto_sign_ed25519_sk_to_curve25519(device.secretKey) } };
}

const senderOf = (d: TestDevice) => ({
  accountKey: fromBase64Url(d.account.id)!,
  deviceKey: fromBase64Url(d.device.id)!,
  x25519PrivateKey: sodium.crypto_sign_ed25519_sk_to_curve25519(d.device.secretKey),
});

describe.each(['sqlite', 'postgres'] as const)('multi-recipient send on %s', (kind) => {
  let relay: Relay;
  let limited: Relay;
  let pg: TestPostgres | null = null;

  beforeAll(async () => {
    await sodium.ready;
    if (kind === 'postgres') pg = await startTestPostgres();
    relay = await startTestRelay(pg ? { db: pg.url } : {});
    limited = await startTestRelay(pg ? { db: pg.url, limits: { sendBucketSize: 100, sendRefillPerSec: 0.001 } } : { limits: { sendBucketSize: 100, sendRefillPerSec: 0.001 } });
  }, 60_000);
  afterAll(async () => {
    await relay.close();
    await limited.close();
    await pg?.stop();
  });

  async function members(n: number): Promise<Member[]> {
    const out = await Promise.all(Array.from({ length: n }, () => member()));
    for (const m of out) await relay.context.store.putDeviceList(signDeviceList(m.account, 1, [{ deviceId: m.device.id, addedAt: 1 }], m.device));
    return out;
  }

  it('queues one envelope in each of 1,000 device mailboxes from one upload, each opened only by its own device', async () => {
    const alice = await registerDevice(relay.url);
    const group = await members(1_000);
    const payload = new Uint8Array(100).fill(42);
    const sealed = sealMulti(epochs, 'group', group.map((m) => m.key), senderOf(alice), EnvelopeKind.senderKey, payload);
    const out = await alice.client.sendMulti(sealed.shared, sealed.entries);
    expect(out).toMatchObject({ queued: 1_000, failed: [], lists: [] });
    expect(out.bytes).toBeLessThanOrEqual(sealed.shared.length + 1_000 * 80 + 12);
    const now = Date.now();
    const mailboxes = await Promise.all(group.map((m) => relay.context.store.pending(deviceKeyOf(m.account.id, m.device.id), 10, now)));
    expect(mailboxes.every((q) => q.length === 1)).toBe(true);
    const first = fromBase64Url(mailboxes[0]![0]!.envelope)!;
    const opened = unseal(first, group[0]!.x25519);
    expect([...opened.message]).toEqual([...payload]);
    expect(opened.senderDeviceKey).toEqual(fromBase64Url(alice.device.id));
    expect(() => unseal(first, group[1]!.x25519)).toThrow();
    // A member online gets its envelope pushed like any other.
    const last = group[999]!;
    const got: Uint8Array[] = [];
    const live = await RelayClient.connect(relay.url);
    live.onMessage((m) => got.push(m.envelope));
    await live.authenticate(last.account.id, last.device);
    await waitFor(() => got.length === 1);
    expect([...unseal(got[0]!, last.x25519).message]).toEqual([...payload]);
    await live.close();
    await alice.client.close();
  }, 120_000);

  it('refuses more than 1,024 recipients, more than 256 KiB and a repeated device with typed codes, queueing nothing, and keeps serving', async () => {
    const alice = await registerDevice(relay.url);
    const group = await members(2);
    const sealed = sealMulti(epochs, 'group', group.map((m) => m.key), senderOf(alice), EnvelopeKind.senderKey, new Uint8Array(10));
    const tooMany = Array.from({ length: RELAY_MAX_MULTI_RECIPIENTS + 1 }, (_, i) => sealed.entries[i % 2]!);
    await expect(alice.client.sendMulti(sealed.shared, tooMany)).rejects.toMatchObject({ code: 'TOO_LARGE' });
    const big = sealMulti(epochs, 'group', [group[0]!.key], senderOf(alice), EnvelopeKind.senderKey, new Uint8Array(260 * 1024));
    await expect(alice.client.sendMulti(big.shared, big.entries)).rejects.toMatchObject({ code: 'TOO_LARGE' });
    await expect(alice.client.sendMulti(sealed.shared, [sealed.entries[0]!, sealed.entries[0]!])).rejects.toMatchObject({ code: 'BAD_FRAME' });
    expect(await relay.context.store.pendingCount(deviceKeyOf(group[0]!.account.id, group[0]!.device.id), Date.now())).toBe(0);
    expect(await alice.client.sendMulti(sealed.shared, sealed.entries)).toMatchObject({ queued: 2 });
    await alice.client.close();
  });

  it('counts recipients against the rate limit, not uploads', async () => {
    const alice = await registerDevice(limited.url);
    const group = await Promise.all(Array.from({ length: 60 }, () => member()));
    for (const m of group) await limited.context.store.putDeviceList(signDeviceList(m.account, 1, [{ deviceId: m.device.id, addedAt: 1 }], m.device));
    const sealed = sealMulti(epochs, 'group', group.map((m) => m.key), senderOf(alice), EnvelopeKind.senderKey, new Uint8Array(10));
    // Registering spent nothing; the bucket holds 100 recipients: 60 pass, the next 60 do not, though it is only the second upload.
    expect(await alice.client.sendMulti(sealed.shared, sealed.entries)).toMatchObject({ queued: 60 });
    const again = alice.client.sendMulti(sealed.shared, sealed.entries);
    await expect(again).rejects.toBeInstanceOf(RelayClientError);
    await expect(again).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    expect(await alice.client.sendMulti(sealed.shared, sealed.entries.slice(0, 30))).toMatchObject({ queued: 30 });
    await alice.client.close();
  });

  it('queues the resolvable recipients and lists revoked, unknown and ambiguous devices in one reply with the signed lists', async () => {
    const alice = await registerDevice(relay.url);
    const [kept, stranger] = await members(2);
    // Bob's account drops its second device.
    const bob = await member();
    const bobOld = await generateSigningKey();
    await relay.context.store.putDeviceList(signDeviceList(bob.account, 1, [{ deviceId: bob.device.id, addedAt: 1 }, { deviceId: bobOld.id, addedAt: 1 }], bob.device));
    const bobList = signDeviceList(bob.account, 2, [{ deviceId: bob.device.id, addedAt: 1 }], bob.device);
    await relay.context.store.putDeviceList(bobList);
    // A hostile account lists Kept's device as its own too.
    const hostile = await generateSigningKey();
    const hostileList = signDeviceList(hostile, 1, [{ deviceId: kept!.device.id, addedAt: 1 }], kept!.device);
    await relay.context.store.putDeviceList(hostileList);
    const nobody = await generateSigningKey();
    const targets = [bob.key, fromBase64Url(bobOld.id)!, kept!.key, fromBase64Url(nobody.id)!, stranger!.key];
    const sealed = sealMulti(epochs, 'group', targets, senderOf(alice), EnvelopeKind.senderKey, new Uint8Array(10));
    const out = await alice.client.sendMulti(sealed.shared, sealed.entries);
    expect(out.queued).toBe(2);
    expect(out.failed).toEqual([
      { deviceId: bobOld.id, code: 'UNKNOWN_DEVICE', accountIds: [bob.account.id] },
      { deviceId: kept!.device.id, code: 'AMBIGUOUS_DEVICE', accountIds: expect.arrayContaining([kept!.account.id, hostile.id]) as unknown as string[] },
      { deviceId: nobody.id, code: 'UNKNOWN_DEVICE', accountIds: [] },
    ]);
    expect(out.lists.map((l) => `${l.accountId}@${l.version}`).sort()).toEqual([`${bob.account.id}@2`, `${hostile.id}@1`, `${kept!.account.id}@1`].sort());
    expect(out.refusedLists).toBe(0);
    expect(await relay.context.store.pendingCount(deviceKeyOf(stranger!.account.id, stranger!.device.id), Date.now())).toBe(1);
    expect(await relay.context.store.pendingCount(deviceKeyOf(bob.account.id, bob.device.id), Date.now())).toBe(1);
    await alice.client.close();
  });

  it('answers 3,000 mutated sendMulti frames with typed refusals or replies, and keeps serving', async () => {
    const alice = await registerDevice(relay.url);
    const group = await members(3);
    const sealed = sealMulti(epochs, 'group', group.map((m) => m.key), senderOf(alice), EnvelopeKind.senderKey, new Uint8Array(30));
    const valid = encodeSendMulti(1, sealed.shared, sealed.entries);
    let x = 12345;
    const r = (): number => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) / 0x1_0000_0000;
    };
    const codes = new Map<string, number>();
    const seen = new Set<number>();
    const sendRaw = alice.client.sendRaw.bind(alice.client);
    const ws = (alice.client as unknown as { ws: import('ws').WebSocket }).ws;
    ws.on('message', (d) => {
      for (const line of String(d).split('\n')) {
        const f = JSON.parse(line) as { type: string; id: number | null; ok?: boolean; code?: string };
        if (f.type !== 'response') continue;
        codes.set(f.ok ? 'ok' : f.code!, (codes.get(f.ok ? 'ok' : f.code!) ?? 0) + 1);
        if (typeof f.id === 'number') seen.add(f.id);
      }
    });
    for (let i = 0; i < 3_000; i++) {
      const f = valid.slice();
      const mode = Math.floor(r() * 4);
      let frame: Uint8Array = f;
      if (mode === 0) for (let k = 0; k < 1 + r() * 4; k++) f[Math.floor(r() * f.length)] = Math.floor(r() * 256);
      else if (mode === 1) frame = f.subarray(0, Math.floor(r() * f.length));
      else if (mode === 2) frame = new Uint8Array([...f, ...f.subarray(0, Math.floor(r() * 100))]);
      else f[6 + Math.floor(r() * 6)] = Math.floor(r() * 256);
      sendRaw(frame);
    }
    const answered = (): number => [...codes.values()].reduce((a, b) => a + b, 0);
    await waitFor(() => answered() >= 3_000, 30_000);
    for (const code of codes.keys()) expect(['ok', 'BAD_FRAME', 'TOO_LARGE', 'UNSUPPORTED_VERSION', 'RATE_LIMITED']).toContain(code);
    expect(codes.get('BAD_FRAME') ?? 0).toBeGreaterThan(1_000);
    expect(await alice.client.request({ type: 'ping' })).toMatchObject({ time: expect.any(Number) as number });
    await alice.client.close();
  }, 60_000);
});
