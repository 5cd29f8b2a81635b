/**
 * Delivery of one payload to many devices from a real profile (Messenger →
 * SessionLayer.deliverMulti → sendMulti) through a relay in the middle, on
 * SQLite and PostgreSQL: every member device gets its own envelope and
 * refuses a sender-key payload that is not a group message with an audit entry
 * (never silently); a device no longer in its account's list is dropped and
 * audited, a listed one not addressed is reported; a withheld upload fails
 * typed and a retry delivers; a rewritten one is refused by its recipient
 * (audited); a replayed upload queues byte-identical envelopes, so the
 * payload's own layer can recognise the repeat.
 */
import sodium from 'libsodium-wrappers-sumo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnvelopeKind } from '../../src/main/session/sealedSender';
import { generateSigningKey, signDeviceList } from '../../src/main/relayClient/signing';
import { deviceKeyOf } from '../../src/relay/store/types';
import type { Messenger } from '../../src/main/messenger/messenger';
import { createUser, eventually, type TestUser } from '../support/chatHarness';
import { startHostileRelay, type HostileRelay } from '../support/hostileRelay';
import { startTestRelay } from '../support/relayHarness';
import { startTestPostgres, type TestPostgres } from '../support/postgres';
import { decodeSendMulti } from '../../src/shared/wire/multiSend';
import { toBase64Url } from '../../src/shared/wire/encoding';

const device = (m: Messenger) => ({ accountId: m.keys.accountId, deviceId: m.keys.deviceId });
const refusals = (m: Messenger, reason: string) => m.store.audit.list(500).filter((e) => e.kind === 'envelope.rejected' && e.detail.reason === reason).length;

describe.each(['sqlite', 'postgres'] as const)('multi-recipient delivery from a profile on %s', (kind) => {
  let relay: Awaited<ReturnType<typeof startTestRelay>>;
  let proxy: HostileRelay;
  let ann: TestUser;
  let ben: TestUser;
  let cat: TestUser;
  let pg: TestPostgres | null = null;

  beforeAll(async () => {
    await sodium.ready;
    if (kind === 'postgres') pg = await startTestPostgres();
    relay = await startTestRelay(pg ? { db: pg.url } : {});
    proxy = await startHostileRelay(relay.url);
    ann = await createUser('Ann Multi', proxy.url);
    ben = await createUser('Ben Multi', relay.url);
    cat = await createUser('Cat Multi', relay.url);
    await ann.messenger.contacts.add(ben.messenger.account.invite(), 'Ben');
    await ann.messenger.contacts.add(cat.messenger.account.invite(), 'Cat');
  }, 60_000);

  afterAll(async () => {
    for (const u of [ann, ben, cat]) await u?.messenger.close();
    await proxy?.close();
    await relay?.close();
    await pg?.stop();
  });

  it('gives every member device its own envelope, and each refuses a sender-key payload that is not a group message with an audit entry', async () => {
    const out = await ann.messenger.deliverMulti({ recipients: [device(ben.messenger), device(cat.messenger)], kind: EnvelopeKind.senderKey, payload: new Uint8Array(100).fill(1) });
    expect(out).toMatchObject({ delivered: [device(ben.messenger), device(cat.messenger)], dropped: [], added: [], failed: [] });
    // version, epoch key, salt, sender keys, kind, hint, payload, tag; frame header; two entries
    expect(out.uploadedBytes).toBeLessThan(1 + 32 + 16 + 64 + 2 + 100 + 16 + 12 + 2 * 80 + 1);
    for (const u of [ben, cat]) {
      await eventually(() => refusals(u.messenger, 'BAD_SENDER_KEY_ENVELOPE') === 1);
      const row = u.messenger.store.audit.list(500).find((e) => e.detail.reason === 'BAD_SENDER_KEY_ENVELOPE');
      expect(row?.detail.address).toBe(`${ann.messenger.keys.accountId}.${ann.messenger.keys.deviceId}`);
      // Acked: nothing waits on the relay to come back.
      await eventually(async () => (await relay.context.store.pendingCount(deviceKeyOf(u.messenger.keys.accountId, u.messenger.keys.deviceId), Date.now())) === 0);
    }
  });

  it('sends one envelope to a device named twice', async () => {
    const before = refusals(cat.messenger, 'BAD_SENDER_KEY_ENVELOPE');
    const out = await ann.messenger.deliverMulti({ recipients: [device(cat.messenger), device(cat.messenger)], kind: EnvelopeKind.senderKey, payload: new Uint8Array(10) });
    expect(out.delivered).toEqual([device(cat.messenger)]);
    await eventually(() => refusals(cat.messenger, 'BAD_SENDER_KEY_ENVELOPE') === before + 1);
  });

  it('drops a device its account does not list, with an audit entry, and reports the listed device it was not given', async () => {
    const stray = await generateSigningKey();
    const out = await ann.messenger.deliverMulti({ recipients: [{ accountId: ben.messenger.keys.accountId, deviceId: stray.id }, device(cat.messenger)], kind: EnvelopeKind.senderKey, payload: new Uint8Array(10) });
    expect(out.delivered).toEqual([device(cat.messenger)]);
    expect(out.dropped).toEqual([{ accountId: ben.messenger.keys.accountId, deviceId: stray.id }]);
    expect(out.added).toEqual([device(ben.messenger)]);
    expect(out.failed).toEqual([]);
    const audit = ann.messenger.store.audit.list(500).filter((e) => e.kind === 'delivery.failed' && e.detail.reason === 'UNLISTED_DEVICE');
    expect(audit.map((e) => e.detail.address)).toContain(`${ben.messenger.keys.accountId}.${stray.id}`);
  });

  it('fails typed when the relay in the middle withholds the upload and hangs up, and a retry delivers', async () => {
    const before = refusals(ben.messenger, 'BAD_SENDER_KEY_ENVELOPE');
    proxy.upBinary = (_f, conn) => {
      setTimeout(() => conn.close(), 50);
      return null;
    };
    await expect(ann.messenger.deliverMulti({ recipients: [device(ben.messenger)], kind: EnvelopeKind.senderKey, payload: new Uint8Array(10) })).rejects.toMatchObject({ code: 'CLOSED' });
    proxy.upBinary = (f) => f;
    expect(refusals(ben.messenger, 'BAD_SENDER_KEY_ENVELOPE')).toBe(before);
    expect(await ann.messenger.waitOnline()).toBe(true);
    const out = await ann.messenger.deliverMulti({ recipients: [device(ben.messenger)], kind: EnvelopeKind.senderKey, payload: new Uint8Array(10) });
    expect(out.delivered).toEqual([device(ben.messenger)]);
    await eventually(() => refusals(ben.messenger, 'BAD_SENDER_KEY_ENVELOPE') === before + 1);
  });

  it('keeps a group’s seal epoch across uploads, gives another group its own, and starts a new one when a member is left out', async () => {
    const epochKeys: string[] = [];
    proxy.upBinary = (f) => {
      const frame = decodeSendMulti(f);
      if ('shared' in frame) epochKeys.push(toBase64Url(frame.shared.subarray(1, 33)));
      return f;
    };
    const before = refusals(ben.messenger, 'BAD_SENDER_KEY_ENVELOPE');
    const send = async (scope: string, to: readonly Messenger[]) => {
      const out = await ann.messenger.deliverMulti({ recipients: to.map(device), kind: EnvelopeKind.senderKey, payload: new Uint8Array(10), scope });
      expect(out.delivered).toHaveLength(to.length);
    };
    await send('group-1', [ben.messenger, cat.messenger]);
    await send('group-1', [ben.messenger, cat.messenger]);
    await send('group-2', [ben.messenger, cat.messenger]);
    await send('group-1', [ben.messenger]);
    proxy.upBinary = (f) => f;
    expect(epochKeys).toHaveLength(4);
    expect(epochKeys[1]).toBe(epochKeys[0]);
    expect(new Set(epochKeys).size).toBe(3);
    // Every one of them opened (and was refused as a sender-key payload, not as a bad seal).
    await eventually(() => refusals(ben.messenger, 'BAD_SENDER_KEY_ENVELOPE') === before + 4);
  });

  it('has a member refuse, with an audit entry, an envelope whose upload the relay in the middle rewrote', async () => {
    const before = refusals(ben.messenger, 'SEALED_DECRYPT_FAILED');
    proxy.upBinary = (f) => {
      const out = f.slice();
      out[out.length - 1] = out[out.length - 1]! ^ 0x01; // the last byte of the last entry's tag
      return out;
    };
    const out = await ann.messenger.deliverMulti({ recipients: [device(ben.messenger)], kind: EnvelopeKind.senderKey, payload: new Uint8Array(10) });
    proxy.upBinary = (f) => f;
    expect(out.delivered).toEqual([device(ben.messenger)]);
    await eventually(() => refusals(ben.messenger, 'SEALED_DECRYPT_FAILED') === before + 1);
  });

  it('queues byte-identical envelopes when the relay in the middle replays an upload, and the sender counts each recipient once', async () => {
    const account = await generateSigningKey();
    const offline = await generateSigningKey();
    await relay.context.store.putDeviceList(signDeviceList(account, 1, [{ deviceId: offline.id, addedAt: 1 }], offline));
    proxy.upBinary = (f, conn) => {
      conn.toRelay(f);
      return f;
    };
    const out = await ann.messenger.deliverMulti({ recipients: [{ accountId: account.id, deviceId: offline.id }], kind: EnvelopeKind.senderKey, payload: new Uint8Array(10) });
    proxy.upBinary = (f) => f;
    expect(out.delivered).toHaveLength(1);
    const queued = await eventually(async () => {
      const q = await relay.context.store.pending(deviceKeyOf(account.id, offline.id), 10, Date.now());
      return q.length === 2 ? q : null;
    });
    expect(queued![0]!.envelope).toBe(queued![1]!.envelope);
  });
});
