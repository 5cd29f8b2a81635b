/**
 * The relay has an identity (issue 13 §3, docs/protocol.md §3.3). A hostile
 * relay in the middle — the attacker's own relay M with a proxy in front of
 * the victim's relay R that presents the proxy's name as Host — forwards R's
 * challenge to the victim. Today's attack (the login signature bound only the
 * Host header) logged in as the victim and acked their queue away; here the
 * victim's signature covers the relay key it was shown, R checks it over its
 * own key, and a client refuses a key other than the pin without signing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RelayClient, type IncomingMessage } from '../../src/main/relayClient/client';
import { RelayClientError } from '../../src/main/relayClient/errors';
import { relayPinId, type RelayKeyPins } from '../../src/main/relayClient/pins';
import { RELAY_KEY_FILE } from '../../src/shared/constants';
import { fromBase64Url, toBase64Url } from '../../src/shared/wire/encoding';
import { startHostileRelay, type HostileRelay } from '../support/hostileRelay';
import { envelope, registerDevice, startTestRelay, tempDir, waitFor, type TestDevice } from '../support/relayHarness';

type Relay = Awaited<ReturnType<typeof startTestRelay>>;

/** Pins kept in a map, as the app keeps them in its store. */
function memoryPins(): RelayKeyPins & { readonly map: Map<string, string> } {
  const map = new Map<string, string>();
  return { map, pinned: (id) => (map.has(id) ? fromBase64Url(map.get(id)!) : null), pin: (id, key) => void map.set(id, toBase64Url(key)) };
}

const refusal = (p: Promise<unknown>): Promise<RelayClientError> =>
  p.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: unknown) => {
      if (!(e instanceof RelayClientError)) throw e;
      return e;
    },
  );

let victimRelay: Relay;
let attackerRelay: Relay;
const closing: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  [victimRelay, attackerRelay] = await Promise.all([startTestRelay(), startTestRelay()]);
});

afterAll(async () => {
  for (const c of closing.reverse()) await c.close().catch(() => undefined);
  await Promise.all([victimRelay?.close(), attackerRelay?.close()]);
});

/** A victim registered on R with one message waiting in its queue, offline. */
async function victimWithMail(text: string): Promise<TestDevice> {
  const victim = await registerDevice(victimRelay.url);
  await victim.client.close();
  const sender = await registerDevice(victimRelay.url);
  await sender.client.send([{ accountId: victim.account.id, deviceId: victim.device.id, envelope: envelope(text) }]);
  await sender.client.close();
  return victim;
}

/** Connects the victim straight to R and returns what its queue still holds. */
async function queueOf(victim: TestDevice): Promise<string[]> {
  const direct = await RelayClient.connect(victimRelay.url);
  const got: IncomingMessage[] = [];
  direct.onMessage((m) => got.push(m));
  await direct.authenticate(victim.account.id, victim.device);
  await waitFor(() => got.length > 0, 3_000).catch(() => undefined);
  await direct.close();
  return got.map((m) => new TextDecoder().decode(m.envelope));
}

/** The proxy acks ids 1..200 on the victim's behalf as soon as an auth reply passes it (what deleted the queue before). */
function ackOnAuthReply(proxy: HostileRelay): void {
  proxy.down = (frame, conn) => {
    const f = JSON.parse(frame) as { type: string; id?: number };
    if (f.type === 'response' && f.id === 1) {
      conn.toRelay(JSON.stringify({ v: 1, type: 'ack', id: 99, ids: Array.from({ length: 200 }, (_, i) => String(i + 1)) }));
    }
    return frame;
  };
}

describe('a relay in the middle', () => {
  it('cannot log in as the victim or ack their queue by forwarding another relay\u2019s challenge under its own key', async () => {
    const victim = await victimWithMail('still here');
    const proxy = await startHostileRelay(victimRelay.url);
    closing.push(proxy);
    ackOnAuthReply(proxy);
    const rewrite = proxy.down;
    // The proxy shows R's nonce, but as its own relay M, which proves its own key over it: the client trusts M on first use.
    proxy.down = (frame, conn) => {
      const f = JSON.parse(frame) as { type: string; nonce?: string };
      if (f.type !== 'challenge') return rewrite(frame, conn);
      const signature = attackerRelay.context.identity.signChallenge(fromBase64Url(f.nonce!)!);
      return JSON.stringify({ ...f, relayKey: attackerRelay.relayKey, relaySignature: toBase64Url(signature) });
    };
    const pins = memoryPins();
    const client = await RelayClient.connect(`${proxy.url}/v1/ws`, { pins });
    const err = await refusal(client.authenticate(victim.account.id, victim.device));
    expect(err.code).toBe('AUTH_FAILED');
    expect(pins.map.get(relayPinId(proxy.url))).toBe(attackerRelay.relayKey);
    const replies = proxy.connections[0]!.seen.filter((s) => s.dir === 'down').map((s) => JSON.parse(s.frame) as { id?: number; code?: string });
    expect(replies.some((r) => r.id === 99 && r.code === undefined)).toBe(false);
    expect(await queueOf(victim)).toEqual(['still here']);
  });

  it('gets nothing signed when it forwards the other relay\u2019s challenge as is: the key differs from the pin (RELAY_KEY_CHANGED)', async () => {
    const victim = await victimWithMail('not acked');
    const proxy = await startHostileRelay(victimRelay.url);
    closing.push(proxy);
    ackOnAuthReply(proxy);
    const pins = memoryPins();
    pins.pin(relayPinId(proxy.url), fromBase64Url(attackerRelay.relayKey)!);
    const client = await RelayClient.connect(`${proxy.url}/v1/ws`, { pins });
    const err = await refusal(client.authenticate(victim.account.id, victim.device));
    expect(err.code).toBe('RELAY_KEY_CHANGED');
    expect(err.relayKey).toBe(victimRelay.relayKey);
    expect(pins.map.get(relayPinId(proxy.url))).toBe(attackerRelay.relayKey);
    expect(proxy.connections[0]!.seen.some((s) => s.dir === 'up' && s.frame.includes('"auth"'))).toBe(false);
    await client.close();
    expect(await queueOf(victim)).toEqual(['not acked']);
  });
});

describe('relay identity keys', () => {
  it('pins a relay key on first use and signs in again under the same pin', async () => {
    const victim = await registerDevice(victimRelay.url);
    await victim.client.close();
    const pins = memoryPins();
    for (let i = 0; i < 2; i++) {
      const c = await RelayClient.connect(victimRelay.url, { pins });
      await c.authenticate(victim.account.id, victim.device);
      await c.close();
    }
    expect([...pins.map]).toEqual([[relayPinId(victimRelay.url), victimRelay.relayKey]]);
  });

  it('refuses a relay whose key changed from the pin until the new key is pinned', async () => {
    const victim = await registerDevice(victimRelay.url);
    await victim.client.close();
    const pins = memoryPins();
    pins.pin(relayPinId(victimRelay.url), fromBase64Url(attackerRelay.relayKey)!);
    const first = await RelayClient.connect(victimRelay.url, { pins });
    const err = await refusal(first.authenticate(victim.account.id, victim.device));
    expect([err.code, err.relayKey]).toEqual(['RELAY_KEY_CHANGED', victimRelay.relayKey]);
    await first.close();
    pins.pin(relayPinId(victimRelay.url), fromBase64Url(err.relayKey!)!);
    const again = await RelayClient.connect(victimRelay.url, { pins });
    await again.authenticate(victim.account.id, victim.device);
    await again.close();
  });

  it('refuses a challenge whose relay signature does not verify', async () => {
    const proxy = await startHostileRelay(victimRelay.url);
    closing.push(proxy);
    proxy.down = (frame) => (frame.includes('"challenge"') ? frame.replace(/"relayKey":"[^"]+"/, `"relayKey":"${attackerRelay.relayKey}"`) : frame);
    expect((await refusal(RelayClient.connect(`${proxy.url}/v1/ws`))).code).toBe('BAD_RESPONSE');
  });

  it('keeps its key across restarts in a 0600 file, and takes it from --key when given', async () => {
    const dataDir = tempDir();
    const one = await startTestRelay({ dataDir });
    const key = one.relayKey;
    await one.close();
    const file = path.join(dataDir, RELAY_KEY_FILE);
    if (process.platform !== 'win32') expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const two = await startTestRelay({ dataDir });
    expect(two.relayKey).toBe(key);
    await two.close();
    const elsewhere = await startTestRelay({ dataDir: tempDir(), keyFile: file });
    expect(elsewhere.relayKey).toBe(key);
    await elsewhere.close();
    await expect(startTestRelay({ dataDir: tempDir(), keyFile: path.join(dataDir, 'missing.key') })).rejects.toThrow(/ENOENT/);
  });
});
