import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveRecoveryKeys, generateRecoveryPhrase, phraseToSeed } from '../../src/main/account/recovery';
import { downloadAttachment, fetchQueued, getBackup, putBackup, uploadAttachment } from '../../src/main/relayClient/blobs';
import { RelayClient } from '../../src/main/relayClient/client';
import { RelayClientError } from '../../src/main/relayClient/errors';
import { toBase64Url } from '../../src/shared/wire/encoding';
import { envelope, registerDevice, startTestRelay, waitFor } from '../support/relayHarness';

type Relay = Awaited<ReturnType<typeof startTestRelay>>;
let relay: Relay;
const CAP = 1024 * 1024;

beforeAll(async () => {
  relay = await startTestRelay({ limits: { maxAttachmentBytes: CAP, maxBackupBytes: CAP } });
});
afterAll(async () => {
  await relay.close();
});

/** A stream of `total` pseudo-random bytes in 64 KiB chunks, hashing what it yields. */
function source(total: number): { stream: Readable; digest: () => string } {
  const h = createHash('sha256');
  async function* gen(): AsyncGenerator<Buffer> {
    for (let left = total; left > 0; left -= 65536) {
      const chunk = randomBytes(Math.min(65536, left));
      h.update(chunk);
      yield chunk;
    }
  }
  return { stream: Readable.from(gen()), digest: () => h.digest('hex') };
}

async function hashOf(stream: Readable): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of stream) h.update(chunk as Buffer);
  return h.digest('hex');
}

const codeOf = async (p: Promise<unknown>): Promise<string> => p.then(() => 'ok', (e: unknown) => (e instanceof RelayClientError ? e.code : 'untyped'));

describe('attachments', () => {
  it('stream an upload and a download of the same ciphertext through the relay', async () => {
    const me = await registerDevice(relay.url);
    const slot = await me.client.attachmentUpload();
    const src = source(CAP - 1000);
    await uploadAttachment(relay.httpUrl, slot, src.stream);
    expect(await hashOf(await downloadAttachment(relay.httpUrl, slot.attachmentId))).toBe(src.digest());
    await me.client.close();
  });

  it('refuse a body over the cap, a reused slot and a wrong token, and store nothing', async () => {
    const me = await registerDevice(relay.url);
    const slot = await me.client.attachmentUpload();
    expect(await codeOf(uploadAttachment(relay.httpUrl, slot, source(CAP + 1).stream))).toMatch(/TOO_LARGE|HTTP/);
    expect(await codeOf(downloadAttachment(relay.httpUrl, slot.attachmentId))).toBe('NOT_FOUND');
    const other = await me.client.attachmentUpload();
    expect(await codeOf(uploadAttachment(relay.httpUrl, { ...other, uploadToken: toBase64Url(randomBytes(32)) }, source(10).stream))).toBe('FORBIDDEN');
    await uploadAttachment(relay.httpUrl, other, source(10).stream);
    expect(await codeOf(uploadAttachment(relay.httpUrl, other, source(10).stream))).toBe('FORBIDDEN');
    expect(await me.client.request({ type: 'ping' })).toHaveProperty('time');
    await me.client.close();
  });
});

describe('provisioning', () => {
  it('carries one payload from a logged-in device to a new one, once', async () => {
    const owner = await registerDevice(relay.url);
    const fresh = await RelayClient.connect(relay.url);
    const got: Uint8Array[] = [];
    fresh.onProvision((_id, p) => got.push(p));
    const { channelId } = await fresh.provisionOpen();
    const payload = toBase64Url(randomBytes(200));
    await owner.client.provisionSend(channelId, payload);
    await waitFor(() => got.length === 1);
    expect(toBase64Url(got[0]!)).toBe(payload);
    expect(await codeOf(owner.client.provisionSend(channelId, payload))).toBe('NOT_FOUND');
    await Promise.all([owner.client.close(), fresh.close()]);
  });

  it('lets one connection hold only one channel at a time', async () => {
    const fresh = await RelayClient.connect(relay.url);
    await fresh.provisionOpen();
    expect(await codeOf(fresh.provisionOpen())).toBe('RATE_LIMITED');
    await fresh.close();
  });

  it('refuses a channel past its expiry and closes the waiting connection', async () => {
    const short = await startTestRelay({ limits: { provisioningTtlMs: 300 } });
    const owner = await registerDevice(short.url);
    const fresh = await RelayClient.connect(short.url);
    const closed = new Promise<number>((r) => fresh.onClose(r));
    const { channelId } = await fresh.provisionOpen();
    await new Promise((r) => setTimeout(r, 400));
    expect(await codeOf(owner.client.provisionSend(channelId, 'AAAA'))).toBe('NOT_FOUND');
    expect(await closed).toBe(4002);
    await owner.client.close();
    await short.close();
  });
});

describe('encrypted backups', () => {
  it('are stored and returned by an id and access key derived from the recovery key', async () => {
    const keys = await deriveRecoveryKeys(phraseToSeed(generateRecoveryPhrase()));
    const src = source(300_000);
    await putBackup(relay.httpUrl, keys.backupId, keys.backupAuthKey.bytes, src.stream);
    expect(await hashOf(await getBackup(relay.httpUrl, keys.backupId, keys.backupAuthKey.bytes))).toBe(src.digest());
    const next = source(1000);
    await putBackup(relay.httpUrl, keys.backupId, keys.backupAuthKey.bytes, next.stream);
    expect(await hashOf(await getBackup(relay.httpUrl, keys.backupId, keys.backupAuthKey.bytes))).toBe(next.digest());
    keys.dispose();
  });

  it('answer a wrong key exactly like a missing backup, and rate-limit guessing', async () => {
    const keys = await deriveRecoveryKeys(phraseToSeed(generateRecoveryPhrase()));
    await putBackup(relay.httpUrl, keys.backupId, keys.backupAuthKey.bytes, source(100).stream);
    const wrong = randomBytes(32);
    expect(await codeOf(getBackup(relay.httpUrl, keys.backupId, wrong))).toBe('NOT_FOUND');
    expect(await codeOf(getBackup(relay.httpUrl, toBase64Url(randomBytes(16)), wrong))).toBe('NOT_FOUND');
    expect(await codeOf(putBackup(relay.httpUrl, keys.backupId, wrong, source(10).stream))).toBe('NOT_FOUND');
    const codes: string[] = [];
    for (let i = 0; i < 10; i++) codes.push(await codeOf(getBackup(relay.httpUrl, keys.backupId, randomBytes(32))));
    expect(codes.at(-1)).toBe('RATE_LIMITED');
    keys.dispose();
  });
});

describe('bulk fetch over HTTP', () => {
  it('returns only the token holder queue, pages by id, and refuses a bad token without revealing anything', async () => {
    const alice = await registerDevice(relay.url);
    const bob = await registerDevice(relay.url);
    await bob.client.close();
    for (let i = 0; i < 5; i++) await alice.client.send([{ accountId: bob.account.id, deviceId: bob.device.id, envelope: envelope(`bulk ${i}`) }]);
    const bobAgain = await RelayClient.connect(relay.url);
    await bobAgain.authenticate(bob.account.id, bob.device);
    const { token } = await bobAgain.bulkToken();
    const first = await fetchQueued(relay.httpUrl, token, '0', 3);
    const rest = await fetchQueued(relay.httpUrl, token, first.at(-1)!.id, 10);
    expect([...first, ...rest].map((m) => m.envelope)).toEqual([0, 1, 2, 3, 4].map((i) => envelope(`bulk ${i}`)));
    const aliceToken = (await alice.client.bulkToken()).token;
    expect(await fetchQueued(relay.httpUrl, aliceToken)).toEqual([]);
    expect(await codeOf(fetchQueued(relay.httpUrl, toBase64Url(randomBytes(32))))).toBe('NOT_AUTHENTICATED');
    await bobAgain.ack([...first, ...rest].map((m) => m.id));
    expect(await fetchQueued(relay.httpUrl, token)).toEqual([]);
    await Promise.all([alice.client.close(), bobAgain.close()]);
  });
});
