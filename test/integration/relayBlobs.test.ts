import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
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

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A raw GET with exactly the headers given: status, headers and body. */
function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers }, (res) => void bytesOf(res).then((body) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }), reject)).on('error', reject);
  });
}

/** Uploads `data` as a new attachment and returns its id. */
async function uploaded(client: RelayClient, data: Buffer): Promise<string> {
  const slot = await client.attachmentUpload();
  await uploadAttachment(relay.httpUrl, slot, Readable.from([data]));
  return slot.attachmentId;
}

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

describe('resumable attachment downloads (Range: bytes=N-)', () => {
  it('return exactly the tail from an offset, and the whole blob without one', async () => {
    const me = await registerDevice(relay.url);
    const data = randomBytes(300_000);
    const id = await uploaded(me.client, data);
    expect((await bytesOf(await downloadAttachment(relay.httpUrl, id))).equals(data)).toBe(true);
    for (const offset of [0, 1, 65_536, 299_999]) {
      expect((await bytesOf(await downloadAttachment(relay.httpUrl, id, { offset }))).equals(data.subarray(offset)), `offset ${offset}`).toBe(true);
    }
    const res = await rawGet(`${relay.httpUrl}/v1/attachments/${id}`, { range: 'bytes=1000-' });
    expect(res.status).toBe(206);
    expect(res.headers['content-range']).toBe('bytes 1000-299999/300000');
    expect(res.headers['content-length']).toBe('299000');
    const closed = await rawGet(`${relay.httpUrl}/v1/attachments/${id}`, { range: 'bytes=10-19' });
    expect(closed.status).toBe(206);
    expect(closed.body.equals(data.subarray(10, 20))).toBe(true);
    await me.client.close();
  });

  it('resume a download that broke off, ending with the same bytes as one whole download', async () => {
    const me = await registerDevice(relay.url);
    const data = randomBytes(CAP - 10);
    const id = await uploaded(me.client, data);
    const first = await downloadAttachment(relay.httpUrl, id);
    const got: Buffer[] = [];
    let received = 0;
    for await (const chunk of first) {
      got.push(chunk as Buffer);
      received += (chunk as Buffer).length;
      if (received >= 100_000) break; // the connection breaks off here
    }
    got.push(await bytesOf(await downloadAttachment(relay.httpUrl, id, { offset: received })));
    expect(Buffer.concat(got).equals(data)).toBe(true);
    await me.client.close();
  });

  it('refuse an offset at or past the end with RANGE_NOT_SATISFIABLE (416) and a malformed Range with BAD_FRAME (400)', async () => {
    const me = await registerDevice(relay.url);
    const id = await uploaded(me.client, randomBytes(1000));
    const url = `${relay.httpUrl}/v1/attachments/${id}`;
    expect(await codeOf(downloadAttachment(relay.httpUrl, id, { offset: 1000 }))).toBe('RANGE_NOT_SATISFIABLE');
    expect(await codeOf(downloadAttachment(relay.httpUrl, id, { offset: 5000 }))).toBe('RANGE_NOT_SATISFIABLE');
    const unsatisfiable = await rawGet(url, { range: 'bytes=1000-' });
    expect(unsatisfiable.status).toBe(416);
    expect(unsatisfiable.headers['content-range']).toBe('bytes */1000');
    expect(JSON.parse(unsatisfiable.body.toString())).toEqual({ v: 1, code: 'RANGE_NOT_SATISFIABLE' });
    for (const range of ['bytes=', 'bytes=-5', 'bytes=5-2', 'bytes=0-1,4-5', 'items=0-', 'bytes=abc-', 'bytes=1e3-', `bytes=${'9'.repeat(16)}-`]) {
      const res = await rawGet(url, { range });
      expect(res.status, range).toBe(400);
      expect(JSON.parse(res.body.toString()), range).toEqual({ v: 1, code: 'BAD_FRAME' });
    }
    await expect(downloadAttachment(relay.httpUrl, id, { offset: -1 })).rejects.toThrow(RangeError);
    expect(await codeOf(downloadAttachment(relay.httpUrl, toBase64Url(randomBytes(16)), { offset: 10 }))).toBe('NOT_FOUND');
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
