/**
 * "Remove and secure" at the relay (issue 13 §1, docs/protocol.md §6.8): once
 * the owner has revoked a device, rotated the account key and told the relay
 * the old key is superseded, the revoked device, holding the old account key,
 * its own device key and the old backup keys, cannot re-add itself, remove
 * the others, pin or exhaust the list version, hand the account to a key it
 * chose, or read the backup. Before the securing step the recovery path is
 * still open (the window docs/ARCHITECTURE.md records); each test shows both.
 */
import { Readable } from 'node:stream';
import sodium from 'libsodium-wrappers-sumo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signKeyChange } from '../../src/main/account/rotation';
import { RelayClient } from '../../src/main/relayClient/client';
import { deleteBackup, getBackup, putBackup } from '../../src/main/relayClient/blobs';
import { relayHttpBase } from '../../src/main/relayClient/relayLink';
import { generateSigningKey, signDeviceList, type SigningKey } from '../../src/main/relayClient/signing';
import type { SignedDeviceList } from '../../src/shared/wire/deviceList';
import { fromBase64Url } from '../../src/shared/wire/encoding';
import { startTestPostgres, type TestPostgres } from '../support/postgres';
import { linkDevice, registerDevice, startTestRelay, type TestDevice } from '../support/relayHarness';
import { codeOf, keepOnly } from '../support/revocation';

/** Account K with devices a and c (stay) and b (revoked by a, keeping the account key and its device key). */
async function accountWithRevokedDevice(url: string): Promise<{ a: TestDevice; b: TestDevice; c: TestDevice }> {
  const a = await registerDevice(url);
  const b = await linkDevice(url, a);
  const c = await linkDevice(url, a);
  await b.client.close();
  a.list = signDeviceList(a.account, a.list.version + 1, a.list.devices.filter((d) => d.deviceId !== b.device.id), a.device);
  await a.client.putDeviceList(a.list);
  return { a, b, c };
}

/** What "Remove and secure" does at the relay: a signs in as the new account K′ (same device key) and supersedes K with K's signed change. */
async function secure(url: string, a: TestDevice): Promise<{ next: SigningKey; client: RelayClient }> {
  const next = await generateSigningKey();
  const client = await RelayClient.connect(url);
  await client.authenticate(next.id, a.device, signDeviceList(next, 1, a.list.devices, a.device));
  await client.supersedeAccount(a.account.id, signKeyChange(a.account.secretKey, fromBase64Url(next.id)!));
  return { next, client };
}

/** The revoked device's attempt at a recovery list naming only a fresh device key of its own (no co-signer), at `version`. */
async function recoverAs(url: string, account: SigningKey, version: number): Promise<string> {
  const fresh = await generateSigningKey();
  const c = await RelayClient.connect(url);
  try {
    return await codeOf(c.authenticate(account.id, fresh, signDeviceList(account, version, [{ deviceId: fresh.id, addedAt: 1 }])));
  } finally {
    await c.close();
  }
}

describe.each(['sqlite', 'postgres'] as const)('a superseded account on %s', (kind) => {
  let relay: Awaited<ReturnType<typeof startTestRelay>>;
  let pg: TestPostgres | null = null;
  const stored = (accountId: string): Promise<SignedDeviceList | null> => relay.context.store.getDeviceList(accountId);

  beforeAll(async () => {
    await sodium.ready;
    if (kind === 'postgres') pg = await startTestPostgres();
    relay = await startTestRelay(pg ? { db: pg.url } : {});
  });
  afterAll(async () => {
    await relay.close();
    await pg?.stop();
  });

  it('before securing, a revoked device holding the account key can still take the account over by recovery (the window)', async () => {
    const { a, c } = await accountWithRevokedDevice(relay.url);
    expect(await recoverAs(relay.url, a.account, a.list.version + 1)).toBe('ok');
    expect((await stored(a.account.id))?.devices.map((d) => d.deviceId)).not.toContain(a.device.id);
    await a.client.close();
    await c.client.close();
  });

  it('after securing, refuses every list the revoked device signs: no re-adding itself, no removing others, no pinned or exhausted version', async () => {
    const { a, b, c } = await accountWithRevokedDevice(relay.url);
    const { client } = await secure(relay.url, a);
    const final = await stored(a.account.id);
    const readd = signDeviceList(a.account, a.list.version + 1, [...a.list.devices, { deviceId: b.device.id, addedAt: 1 }], b.device);
    const dropOthers = signDeviceList(a.account, a.list.version + 1, [{ deviceId: b.device.id, addedAt: 1 }], b.device);
    for (const list of [readd, dropOthers]) {
      const conn = await RelayClient.connect(relay.url);
      expect(await codeOf(conn.authenticate(a.account.id, b.device, list))).toBe('DEVICE_REVOKED');
    }
    // A fresh key of its own, recovering: the path that was open before securing.
    expect(await recoverAs(relay.url, a.account, a.list.version + 1)).toBe('ACCOUNT_SUPERSEDED');
    expect(await recoverAs(relay.url, a.account, 0xffffffff)).toBe('ACCOUNT_SUPERSEDED');
    // Not even the owner's remaining device can publish under the old key any more: the old list is final.
    expect(await codeOf(c.client.putDeviceList(keepOnly(c)))).toBe('ACCOUNT_SUPERSEDED');
    expect(await stored(a.account.id)).toEqual(final);
    await client.close();
    await a.client.close();
    await c.client.close();
  });

  it('does not let the revoked device hand the account to a key it chose, before or after securing', async () => {
    const { a, b, c } = await accountWithRevokedDevice(relay.url);
    const chosen = await generateSigningKey();
    const bAsChosen = await RelayClient.connect(relay.url);
    await bAsChosen.authenticate(chosen.id, b.device, signDeviceList(chosen, 1, [{ deviceId: b.device.id, addedAt: 1 }], b.device));
    const change = signKeyChange(a.account.secretKey, fromBase64Url(chosen.id)!);
    expect(await codeOf(bAsChosen.supersedeAccount(a.account.id, change))).toBe('FORBIDDEN'); // b is not in the old account's list
    const { next, client } = await secure(relay.url, a);
    expect(await codeOf(bAsChosen.supersedeAccount(a.account.id, change))).toBe('FORBIDDEN');
    expect(await relay.context.store.supersededBy(a.account.id)).toBe(next.id);
    // Even a device of the old list, with the old key's signed change to a third key, cannot move the account on a second time.
    const third = await generateSigningKey();
    const cAsThird = await RelayClient.connect(relay.url);
    await cAsThird.authenticate(third.id, c.device, signDeviceList(third, 1, [{ deviceId: c.device.id, addedAt: 1 }], c.device));
    expect(await codeOf(cAsThird.supersedeAccount(a.account.id, signKeyChange(a.account.secretKey, fromBase64Url(third.id)!)))).toBe('ACCOUNT_SUPERSEDED');
    // Repeating the owner's own step (a retry after a lost answer) is fine; a change to another key is not this connection's.
    expect(await codeOf(client.supersedeAccount(a.account.id, signKeyChange(a.account.secretKey, fromBase64Url(next.id)!)))).toBe('ok');
    expect(await codeOf(client.supersedeAccount(a.account.id, change))).toBe('BAD_SIGNATURE');
    expect(await relay.context.store.supersededBy(a.account.id)).toBe(next.id);
    for (const x of [bAsChosen, cAsThird, client, a.client, c.client]) await x.close();
  });

  it('still signs in a device of the old account’s final list, so it can read the rotation waiting for it, without storing its list', async () => {
    const { a, c } = await accountWithRevokedDevice(relay.url);
    await c.client.close();
    const { client } = await secure(relay.url, a);
    const again = await RelayClient.connect(relay.url);
    const olderList = signDeviceList(a.account, a.list.version + 1, [...a.list.devices, { deviceId: (await generateSigningKey()).id, addedAt: 1 }], c.device);
    expect(await codeOf(again.authenticate(a.account.id, c.device, olderList))).toBe('ok');
    expect((await stored(a.account.id))?.version).toBe(a.list.version);
    for (const x of [again, client, a.client]) await x.close();
  });

  it('deletes the old backup, so the old backup keys read nothing', async () => {
    const http = relayHttpBase(relay.url);
    const id = Buffer.from(sodium.randombytes_buf(24)).toString('base64url');
    const authKey = sodium.randombytes_buf(32);
    await putBackup(http, id, authKey, Readable.from([Buffer.from('old backup ciphertext')]));
    expect(await codeOf(getBackup(http, id, sodium.randombytes_buf(32)))).toBe('NOT_FOUND');
    expect(await codeOf(deleteBackup(http, id, sodium.randombytes_buf(32)))).toBe('ok'); // resolves false: a wrong key deletes nothing
    expect(await codeOf(getBackup(http, id, authKey).then((s) => s.resume()))).toBe('ok');
    expect(await deleteBackup(http, id, authKey)).toBe(true);
    expect(await codeOf(getBackup(http, id, authKey))).toBe('NOT_FOUND');
    expect(await deleteBackup(http, id, authKey)).toBe(false);
  });
});
