import Database from 'better-sqlite3-multiple-ciphers';
import path from 'node:path';
import pgLib from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RelayClient, type IncomingMessage } from '../../src/main/relayClient/client';
import { confirmRevocation, generateSigningKey, signDeviceList } from '../../src/main/relayClient/signing';
import { publicKeyFromId } from '../../src/shared/wire/deviceList';
import { RelayClientError } from '../../src/main/relayClient/errors';
import { RELAY_MAX_ENVELOPE_BYTES } from '../../src/shared/constants';
import { toBase64Url } from '../../src/shared/wire/encoding';
import { startTestPostgres, type TestPostgres } from '../support/postgres';
import { envelope, linkDevice, makePrekeys, makeSignedPrekeys, registerDevice, startTestRelay, waitFor, type TestDevice } from '../support/relayHarness';
import { keepOnly, watchRevocation } from '../support/revocation';
import { deviceKeyOf, RevokedRecipient } from '../../src/relay/store/types';

type Relay = Awaited<ReturnType<typeof startTestRelay>>;

const codeOf = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return e instanceof RelayClientError ? e.code : 'untyped';
  }
};

const errorOf = (p: Promise<unknown>): Promise<RelayClientError> =>
  p.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: unknown) => {
      if (!(e instanceof RelayClientError)) throw e;
      return e;
    },
  );

describe.each(['sqlite', 'postgres'] as const)('relay on %s', (kind) => {
  let relay: Relay;
  let pg: TestPostgres | null = null;

  beforeAll(async () => {
    if (kind === 'postgres') pg = await startTestPostgres();
    relay = await startTestRelay(pg ? { db: pg.url } : {});
  });
  afterAll(async () => {
    await relay.close();
    await pg?.stop();
  });

  describe('accounts and authentication', () => {
    it('registers a first device by its signed device list and authenticates it', async () => {
      const a = await registerDevice(relay.url);
      const list = await a.client.getDeviceList(a.account.id);
      expect(list.devices.map((d) => d.deviceId)).toEqual([a.device.id]);
      await a.client.close();
    });

    it('refuses a device that is not in its account list with the same error as an unknown account', async () => {
      const a = await registerDevice(relay.url);
      const stranger = await generateSigningKey();
      const c1 = await RelayClient.connect(relay.url);
      const notInList = await codeOf(c1.authenticate(a.account.id, stranger));
      const ghost = await generateSigningKey();
      const c2 = await RelayClient.connect(relay.url);
      const noAccount = await codeOf(c2.authenticate(ghost.id, stranger));
      expect(notInList).toBe('AUTH_FAILED');
      expect(noAccount).toBe('AUTH_FAILED');
      await a.client.close();
    });

    it('refuses a challenge signature made for another relay host', async () => {
      const a = await registerDevice(relay.url);
      const other = await RelayClient.connect(relay.url.replace('127.0.0.1', 'localhost'));
      // Signed for "localhost:port" but the nonce belongs to a different connection: reuse fails.
      expect(await codeOf(other.authenticate(a.account.id, a.device))).toBe('ok');
      const c = await RelayClient.connect(relay.url);
      const forged = Object.create(c) as RelayClient;
      Object.defineProperty(forged, 'url', { value: 'ws://evil.example:1/v1/ws' });
      expect(await codeOf(forged.authenticate(a.account.id, a.device))).toBe('AUTH_FAILED');
      await Promise.all([a.client.close(), other.close()]);
    });

    it('rejects a device list not signed by the account key and a rolled-back version', async () => {
      const a = await registerDevice(relay.url);
      const b = await linkDevice(relay.url, a);
      const mallory = await generateSigningKey();
      const forged = { ...signDeviceList(mallory, 9, a.list.devices), accountId: a.account.id };
      expect(await codeOf(a.client.putDeviceList(forged))).toBe('BAD_SIGNATURE');
      const old = signDeviceList(a.account, 1, a.list.devices);
      expect(await codeOf(a.client.putDeviceList(old))).toBe('STALE_DEVICE_LIST');
      expect((await b.client.getDeviceList(a.account.id)).version).toBe(2);
      await Promise.all([a.client.close(), b.client.close()]);
    });

    it('makes the client reject a device list the relay forged or rolled back', async () => {
      const a = await registerDevice(relay.url);
      const b = await linkDevice(relay.url, a);
      const reader = await registerDevice(relay.url);
      expect((await reader.client.getDeviceList(a.account.id)).version).toBe(2);
      const mallory = await generateSigningKey();
      const forged = { ...signDeviceList(mallory, 3, a.list.devices), accountId: a.account.id };
      await relay.context.store.putDeviceList(forged); // a compromised relay writes past its own checks
      expect(await codeOf(reader.client.getDeviceList(a.account.id))).toBe('BAD_DEVICE_LIST');
      const old = signDeviceList(a.account, 1, a.list.devices.slice(0, 1));
      await relay.context.store.putDeviceList({ ...old, version: 4, signature: old.signature });
      expect(await codeOf(reader.client.getDeviceList(a.account.id))).toBe('BAD_DEVICE_LIST');
      await Promise.all([a.client.close(), b.client.close(), reader.client.close()]);
    });

    it('makes the client reject an older, genuinely signed list after it has seen a newer one', async () => {
      const a = await registerDevice(relay.url);
      const v1 = a.list;
      const b = await linkDevice(relay.url, a);
      const reader = await registerDevice(relay.url);
      expect((await reader.client.getDeviceList(a.account.id)).version).toBe(2);
      if (kind === 'sqlite') {
        const db = new Database(path.join(relay.dataDir, 'relay.sqlite'));
        db.prepare('UPDATE device_lists SET version = 1, list = ? WHERE account_id = ?').run(JSON.stringify(v1), a.account.id);
        db.close();
      } else {
        const c = new pgLib.Client({ connectionString: pg!.url });
        await c.connect();
        await c.query('UPDATE device_lists SET version = 1, list = $1 WHERE account_id = $2', [JSON.stringify(v1), a.account.id]);
        await c.end();
      }
      expect(await codeOf(reader.client.getDeviceList(a.account.id))).toBe('STALE_DEVICE_LIST');
      await Promise.all([a.client.close(), b.client.close(), reader.client.close()]);
    });

    /** An account of two devices; the second is offline when the first revokes it. */
    async function revokedWhileOffline(): Promise<{ a: TestDevice; b: TestDevice; list: ReturnType<typeof keepOnly> }> {
      const a = await registerDevice(relay.url);
      const b = await linkDevice(relay.url, a);
      await b.client.close();
      const list = keepOnly(a);
      await a.client.putDeviceList(list);
      return { a, b, list };
    }

    it('revokes a device by a newly signed list: it gets that list pushed, then the 4003 close', async () => {
      const a = await registerDevice(relay.url);
      const b = await linkDevice(relay.url, a);
      const seen = watchRevocation(b.client);
      const list = keepOnly(a);
      await a.client.putDeviceList(list);
      await waitFor(() => seen.events.length === 2);
      expect(seen.events).toEqual(['list', 'close 4003']);
      expect(seen.pushed).toEqual(list);
      expect(confirmRevocation(seen.pushed, publicKeyFromId(a.account.id)!, b.device.id, b.list.version)).toBe(true);
      expect(a.client.closed).toBe(false); // the device that stays is not told anything
      await a.client.close();
    });

    it('answers a revoked device at its next auth with DEVICE_REVOKED and the list that proves it', async () => {
      const { a, b, list } = await revokedWhileOffline();
      const again = await RelayClient.connect(relay.url);
      const closed = new Promise<number>((r) => again.onClose(r));
      const err = await errorOf(again.authenticate(a.account.id, b.device));
      expect(err.code).toBe('DEVICE_REVOKED');
      expect(err.deviceList).toEqual(list);
      expect(confirmRevocation(err.deviceList, publicKeyFromId(a.account.id)!, b.device.id, b.list.version)).toBe(true);
      expect(await closed).toBe(4003);
      // Re-registering with its old list changes nothing: that list is stale.
      const retry = await RelayClient.connect(relay.url);
      expect(await codeOf(retry.authenticate(a.account.id, b.device, b.list))).toBe('DEVICE_REVOKED');
      await a.client.close();
    });

    it('keeps AUTH_FAILED for every key the account never listed, even one with a valid signature', async () => {
      const { a, b } = await revokedWhileOffline();
      const stranger = await generateSigningKey();
      const c1 = await RelayClient.connect(relay.url);
      const e1 = await errorOf(c1.authenticate(a.account.id, stranger));
      const c2 = await RelayClient.connect(relay.url);
      const e2 = await errorOf(c2.authenticate((await generateSigningKey()).id, stranger));
      // A revoked device naming another account, or signing badly, learns nothing either.
      const c3 = await RelayClient.connect(relay.url);
      const e3 = await errorOf(c3.authenticate((await generateSigningKey()).id, b.device));
      for (const e of [e1, e2, e3]) {
        expect(e.code).toBe('AUTH_FAILED');
        expect(e.deviceList).toBeUndefined();
      }
      await a.client.close();
    });

    it('lets a revoked device that is listed again authenticate again', async () => {
      const { a, b } = await revokedWhileOffline();
      await a.client.putDeviceList(signDeviceList(a.account, 4, a.list.devices, a.device)); // the two devices of version 2
      const again = await RelayClient.connect(relay.url);
      expect(await codeOf(again.authenticate(a.account.id, b.device))).toBe('ok');
      await Promise.all([again.close(), a.client.close()]);
    });

    it('answers requests before authentication with NOT_AUTHENTICATED and keeps the connection', async () => {
      const c = await RelayClient.connect(relay.url);
      expect(await codeOf(c.request({ type: 'prekeyCount' }))).toBe('NOT_AUTHENTICATED');
      expect(await codeOf(c.request({ type: 'getDeviceList', accountId: 'A'.repeat(43) }))).toBe('NOT_AUTHENTICATED');
      expect(await c.request({ type: 'ping' })).toHaveProperty('time');
      await c.close();
    });
  });

  describe('prekeys', () => {
    it('hands out each one-time prekey exactly once under concurrent fetches, then the last-resort key', async () => {
      const owner = await registerDevice(relay.url);
      await owner.client.uploadPrekeys({ ...makeSignedPrekeys(owner.device), oneTimeEc: makePrekeys(owner.device, 1, 5, 'oneTimeEc'), oneTimeKem: makePrekeys(owner.device, 1, 5, 'oneTimeKem') });
      expect(await owner.client.prekeyCount()).toEqual({ oneTimeEc: 5, oneTimeKem: 5 });
      const fetchers = await Promise.all(Array.from({ length: 6 }, () => registerDevice(relay.url)));
      const bundles = await Promise.all(fetchers.map((f) => f.client.fetchBundle(owner.account.id, owner.device.id)));
      const ecIds = bundles.map((b) => b.oneTimeEc?.keyId).filter((x) => x !== undefined);
      expect(new Set(ecIds).size).toBe(5);
      expect(ecIds.length).toBe(5);
      const kemIds = bundles.map((b) => b.oneTimeKem?.keyId).filter((x) => x !== undefined);
      expect(new Set(kemIds).size).toBe(5);
      expect(kemIds.length).toBe(5);
      expect(bundles.every((b) => b.lastResortKem.keyId === 1 && b.signedPrekey.keyId === 1)).toBe(true);
      expect(await owner.client.prekeyCount()).toEqual({ oneTimeEc: 0, oneTimeKem: 0 });
      await Promise.all([owner.client.close(), ...fetchers.map((f) => f.client.close())]);
    });

    it('rejects a batch with one bad signature and stores nothing from it', async () => {
      const owner = await registerDevice(relay.url);
      const keys = makePrekeys(owner.device, 1, 3, 'oneTimeEc');
      keys[1] = { ...keys[1]!, keyId: 99 };
      expect(await codeOf(owner.client.uploadPrekeys({ oneTimeEc: keys }))).toBe('BAD_SIGNATURE');
      expect(await owner.client.prekeyCount()).toEqual({ oneTimeEc: 0, oneTimeKem: 0 });
      await owner.client.close();
    });

    it('rejects a batch of more than 100 one-time prekeys', async () => {
      const owner = await registerDevice(relay.url);
      expect(await codeOf(owner.client.uploadPrekeys({ oneTimeEc: makePrekeys(owner.device, 1, 101, 'oneTimeEc') }))).toBe('BAD_FRAME');
      await owner.client.close();
    });

    it('rate-limits bundle fetches per requester and target at 6', async () => {
      const owner = await registerDevice(relay.url);
      await owner.client.uploadPrekeys(makeSignedPrekeys(owner.device));
      const f = await registerDevice(relay.url);
      const codes = [];
      for (let i = 0; i < 7; i++) codes.push(await codeOf(f.client.fetchBundle(owner.account.id, owner.device.id)));
      expect(codes).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'RATE_LIMITED']);
      const g = await registerDevice(relay.url);
      expect(await codeOf(g.client.fetchBundle(owner.account.id, owner.device.id))).toBe('ok');
      await Promise.all([owner.client.close(), f.client.close(), g.client.close()]);
    });
  });

  describe('mailboxes', () => {
    it('delivers to the recipient devices and the sender own other devices, and deletes only on ack', async () => {
      const alice = await registerDevice(relay.url);
      const alice2 = await linkDevice(relay.url, alice);
      const bob = await registerDevice(relay.url);
      const got = { bob: [] as IncomingMessage[], alice2: [] as IncomingMessage[] };
      bob.client.onMessage((m) => got.bob.push(m));
      alice2.client.onMessage((m) => got.alice2.push(m));
      await alice.client.send([
        { accountId: bob.account.id, deviceId: bob.device.id, envelope: envelope('to bob') },
        { accountId: alice.account.id, deviceId: alice2.device.id, envelope: envelope('sync') },
      ]);
      await waitFor(() => got.bob.length === 1 && got.alice2.length === 1);
      expect(new TextDecoder().decode(got.bob[0]!.envelope)).toBe('to bob');
      // Not acked: a new connection gets it again.
      await bob.client.close();
      const again = await RelayClient.connect(relay.url);
      const redelivered: IncomingMessage[] = [];
      again.onMessage((m) => redelivered.push(m));
      await again.authenticate(bob.account.id, bob.device);
      await waitFor(() => redelivered.length === 1);
      expect(redelivered[0]!.id).toBe(got.bob[0]!.id);
      expect(await again.ack([redelivered[0]!.id])).toEqual({ deleted: 1 });
      await again.close();
      const third = await RelayClient.connect(relay.url);
      const none: IncomingMessage[] = [];
      third.onMessage((m) => none.push(m));
      await third.authenticate(bob.account.id, bob.device);
      await third.request({ type: 'ping' });
      expect(none).toHaveLength(0);
      await Promise.all([third.close(), alice.client.close(), alice2.client.close()]);
    });

    it('cannot ack another device mailbox', async () => {
      const alice = await registerDevice(relay.url);
      const bob = await registerDevice(relay.url);
      const got: IncomingMessage[] = [];
      bob.client.onMessage((m) => got.push(m));
      await alice.client.send([{ accountId: bob.account.id, deviceId: bob.device.id, envelope: envelope('x') }]);
      await waitFor(() => got.length === 1);
      expect(await alice.client.ack([got[0]!.id])).toEqual({ deleted: 0 });
      expect(await bob.client.ack([got[0]!.id])).toEqual({ deleted: 1 });
      await Promise.all([alice.client.close(), bob.client.close()]);
    });

    it('refuses an oversized envelope and an unknown device with typed codes, and the connection keeps working', async () => {
      const alice = await registerDevice(relay.url);
      const bob = await registerDevice(relay.url);
      const big = toBase64Url(new Uint8Array(RELAY_MAX_ENVELOPE_BYTES + 1));
      expect(await codeOf(alice.client.send([{ accountId: bob.account.id, deviceId: bob.device.id, envelope: big }]))).toBe('TOO_LARGE');
      const stranger = await generateSigningKey();
      expect(await codeOf(alice.client.send([{ accountId: bob.account.id, deviceId: stranger.id, envelope: envelope('x') }]))).toBe('UNKNOWN_DEVICE');
      expect(await alice.client.send([{ accountId: bob.account.id, deviceId: bob.device.id, envelope: envelope('fine') }])).toEqual({ queued: 1 });
      await Promise.all([alice.client.close(), bob.client.close()]);
    });

    it('refuses a send naming a device revoked after its list was cached, with UNKNOWN_DEVICE, and queues nothing of it', async () => {
      const a = await registerDevice(relay.url);
      const b = await linkDevice(relay.url, a);
      const bob = await registerDevice(relay.url);
      await b.client.close();
      await a.client.putDeviceList(keepOnly(a));
      // This instance still believes b is listed, as another instance does until the list change reaches it.
      relay.context.deviceCache.set(a.account.id, new Set([a.device.id, b.device.id]));
      const sent = bob.client.send([
        { accountId: a.account.id, deviceId: a.device.id, envelope: envelope('to a') },
        { accountId: a.account.id, deviceId: b.device.id, envelope: envelope('to the revoked b') },
      ]);
      expect(await codeOf(sent)).toBe('UNKNOWN_DEVICE');
      const now = Date.now();
      expect(await relay.context.store.pendingCount(deviceKeyOf(a.account.id, a.device.id), now)).toBe(0);
      expect(await relay.context.store.pendingCount(deviceKeyOf(a.account.id, b.device.id), now)).toBe(0);
      // The sender learns the current list, and the send without b goes through.
      expect((await bob.client.getDeviceList(a.account.id)).devices.map((d) => d.deviceId)).toEqual([a.device.id]);
      expect(await bob.client.send([{ accountId: a.account.id, deviceId: a.device.id, envelope: envelope('to a') }])).toEqual({ queued: 1 });
      await Promise.all([a.client.close(), bob.client.close()]);
    });

    it('refuses to queue for a revoked device inside the enqueue commit, and still queues the other sends of that commit', async () => {
      const a = await registerDevice(relay.url);
      const b = await linkDevice(relay.url, a);
      const bob = await registerDevice(relay.url);
      await b.client.close();
      await a.client.putDeviceList(keepOnly(a));
      const store = relay.context.store;
      const [bobKey, bKey] = [deviceKeyOf(bob.account.id, bob.device.id), deviceKeyOf(a.account.id, b.device.id)];
      const now = Date.now();
      // Submitted in one turn, so both requests meet in one group commit.
      const [withRevoked, alone] = await Promise.allSettled([
        store.enqueue([{ deviceKey: bobKey, envelope: envelope('with b') }, { deviceKey: bKey, envelope: envelope('to b') }], now, now + 60_000),
        store.enqueue([{ deviceKey: bobKey, envelope: envelope('alone') }], now, now + 60_000),
      ]);
      expect(withRevoked.status === 'rejected' && withRevoked.reason instanceof RevokedRecipient && withRevoked.reason.device).toBe(bKey);
      expect(alone.status).toBe('fulfilled');
      expect((await store.pending(bobKey, 10, now)).map((m) => m.envelope)).toEqual([envelope('alone')]);
      expect(await store.pendingCount(bKey, now)).toBe(0);
      await Promise.all([a.client.close(), bob.client.close()]);
    });

    it('never leaves a message queued for a device whose revocation raced the send', async () => {
      const store = relay.context.store;
      const outcomes = new Set<string>();
      for (let round = 0; round < 20; round++) {
        const a = await registerDevice(relay.url);
        const b = await linkDevice(relay.url, a);
        await b.client.close();
        const bKey = deviceKeyOf(a.account.id, b.device.id);
        const now = Date.now();
        const [sent] = await Promise.allSettled([store.enqueue([{ deviceKey: bKey, envelope: envelope('racing') }], now, now + 60_000), store.putDeviceList(keepOnly(a))]);
        outcomes.add(sent.status === 'fulfilled' ? 'queued, then deleted by the revocation' : sent.reason instanceof RevokedRecipient ? 'refused' : String(sent.reason));
        expect(await store.pendingCount(bKey, now)).toBe(0);
        await a.client.close();
      }
      for (const o of outcomes) expect(['queued, then deleted by the revocation', 'refused']).toContain(o);
    });

    it('refuses a multi-recipient send over 256 KiB in total', async () => {
      const alice = await registerDevice(relay.url);
      const bobs = await Promise.all(Array.from({ length: 3 }, () => registerDevice(relay.url)));
      const env = toBase64Url(new Uint8Array(90 * 1024));
      const code = await codeOf(alice.client.send(bobs.map((b) => ({ accountId: b.account.id, deviceId: b.device.id, envelope: env }))));
      expect(code).toBe('TOO_LARGE');
      await Promise.all([alice.client.close(), ...bobs.map((b) => b.client.close())]);
    });
  });
});
