/**
 * Binary frames (docs/protocol.md §3.1.1, §3.5) between a real relay and
 * the real relay client, through the hostile proxy:
 * - a client that asks gets its envelopes as binary pushes and acks them by
 *   id; a client whose request the relay does not know (an older relay)
 *   gets JSON and takes it; a malformed binary push is dropped whole and
 *   counted, and delivery goes on with nothing lost;
 * - a client uploads envelopes given as bytes in binary `send` frames when
 *   the relay said it takes them, and as JSON when it did not; the relay
 *   refuses a malformed binary send with a typed error and keeps the
 *   connection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RelayClient, type IncomingMessage } from '../../src/main/relayClient/client';
import { encodePushes, PUSH_FRAME_TAG } from '../../src/shared/wire/pushFrame';
import { BINARY_SEND_TAG, encodeBinarySend } from '../../src/shared/wire/binarySend';
import { startHostileRelay, type HostileRelay } from '../support/hostileRelay';
import { envelope, registerDevice, startTestRelay, waitFor } from '../support/relayHarness';

type Relay = Awaited<ReturnType<typeof startTestRelay>>;
const text = (m: IncomingMessage): string => new TextDecoder().decode(m.envelope);

describe('binary message pushes', () => {
  let relay: Relay;
  let proxy: HostileRelay;

  beforeAll(async () => {
    relay = await startTestRelay();
    proxy = await startHostileRelay(relay.url);
  });
  afterAll(async () => {
    await proxy.close();
    await relay.close();
  });

  /** Queues `n` texts for a fresh device while it is away, then signs it in again through the proxy. */
  async function away(n: number): Promise<{ client: RelayClient; got: string[]; conn: () => HostileRelay['connections'][number]; bob: Awaited<ReturnType<typeof registerDevice>> }> {
    const alice = await registerDevice(relay.url);
    const bob = await registerDevice(relay.url);
    await bob.client.close();
    const batch = Array.from({ length: n }, (_, i) => ({ accountId: bob.account.id, deviceId: bob.device.id, envelope: envelope(`m${i}`) }));
    await alice.client.send(batch);
    await alice.client.close();
    const before = proxy.connections.length;
    const client = await RelayClient.connect(`${proxy.url}/v1/ws`);
    const got: string[] = [];
    client.onMessages((ms) => void client.ack(ms.map((m) => m.id)).then(() => got.push(...ms.map(text))));
    await client.authenticate(bob.account.id, bob.device);
    return { client, got, conn: () => proxy.connections[before]!, bob };
  }

  it('sends a client that asked its waiting envelopes as binary frames, in order, and deletes them on its ack', async () => {
    const { client, got, conn, bob } = await away(60);
    expect(client.binaryPushes).toBe(true);
    await waitFor(() => got.length === 60);
    expect(got).toEqual(Array.from({ length: 60 }, (_, i) => `m${i}`));
    const down = conn().seen.filter((x) => x.dir === 'down' && x.frame.includes('"type":"message"'));
    expect(down).toHaveLength(60);
    expect(down.every((x) => x.binary?.[0] === PUSH_FRAME_TAG)).toBe(true);
    expect(client.malformedFrames).toBe(0);
    await client.close();
    // Acked means deleted: signing in again brings nothing.
    const again = await RelayClient.connect(relay.url);
    const more: IncomingMessage[] = [];
    again.onMessage((m) => more.push(m));
    await again.authenticate(bob.account.id, bob.device);
    await again.request({ type: 'ping' });
    expect(more).toEqual([]);
    await again.close();
  });

  it('takes JSON pushes from a relay that does not know the request (an older relay), and asks nothing more of it', async () => {
    proxy.up = (frame, c) => {
      if (!frame.includes('"type":"options"')) return frame;
      const { id } = JSON.parse(frame) as { id: number };
      c.toClient(JSON.stringify({ v: 1, type: 'response', id, ok: false, code: 'UNKNOWN_TYPE', message: 'unknown frame type' }));
      return null;
    };
    try {
      const { client, got, conn } = await away(30);
      expect(client.binaryPushes).toBe(false);
      await waitFor(() => got.length === 30);
      expect(got).toEqual(Array.from({ length: 30 }, (_, i) => `m${i}`));
      expect(conn().seen.filter((x) => x.dir === 'down' && x.binary)).toEqual([]);
      await client.close();
    } finally {
      proxy.up = (f) => f;
    }
  });

  it('drops a malformed binary frame whole, counts it, and goes on taking every real envelope', async () => {
    const { client, got, conn } = await away(20);
    await waitFor(() => got.length === 20);
    const good = encodePushes([{ id: '999999', ts: 1, envelope: new TextEncoder().encode('forged') }]);
    const cut = good.subarray(0, good.length - 1);
    const badId = good.slice();
    badId[5] = 0x41;
    const otherTag = good.slice();
    otherTag[0] = 0x01;
    for (const f of [cut, badId, otherTag, new Uint8Array(0), new Uint8Array([PUSH_FRAME_TAG])]) conn().toClient(f);
    await client.request({ type: 'ping' }); // the relay's answer comes after the frames the proxy sent
    expect(client.malformedFrames).toBe(5);
    expect(got).not.toContain('forged');
    await client.close();
  });

  /** A fresh sender and recipient, the sender signed in through the proxy. */
  async function pair(): Promise<{ client: RelayClient; conn: HostileRelay['connections'][number]; bob: Awaited<ReturnType<typeof registerDevice>>; got: string[] }> {
    const alice = await registerDevice(relay.url);
    const bob = await registerDevice(relay.url);
    const got: string[] = [];
    bob.client.onMessage((m) => got.push(text(m)));
    await alice.client.close();
    const before = proxy.connections.length;
    const client = await RelayClient.connect(`${proxy.url}/v1/ws`);
    await client.authenticate(alice.account.id, alice.device);
    return { client, conn: proxy.connections[before]!, bob, got };
  }
  const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

  it('uploads envelopes given as bytes in binary send frames, which the relay queues in frame order', async () => {
    const { client, conn, bob, got } = await pair();
    expect(client.binarySends).toBe(true);
    const to = (body: string) => ({ accountId: bob.account.id, deviceId: bob.device.id, envelope: bytes(body) });
    expect(await client.send([to('s0'), to('s1'), to('s2')])).toEqual({ queued: 3 });
    expect(await client.send([to('s3')])).toEqual({ queued: 1 });
    await waitFor(() => got.length === 4);
    expect(got).toEqual(['s0', 's1', 's2', 's3']);
    const sends = conn.seen.filter((x) => x.dir === 'up' && x.frame.includes('"type":"send"'));
    expect(sends.map((x) => x.binary?.[0])).toEqual([BINARY_SEND_TAG, BINARY_SEND_TAG]);
    await client.close();
    await bob.client.close();
  });

  it('uploads JSON to a relay whose options reply does not say it takes binary sends', async () => {
    proxy.down = (frame) => (frame.includes('"binarySends":true') ? frame.replace(',"binarySends":true', '') : frame);
    try {
      const { client, conn, bob, got } = await pair();
      expect(client.binaryPushes).toBe(true);
      expect(client.binarySends).toBe(false);
      expect(await client.send([{ accountId: bob.account.id, deviceId: bob.device.id, envelope: bytes('json') }])).toEqual({ queued: 1 });
      await waitFor(() => got.length === 1);
      expect(got).toEqual(['json']);
      expect(conn.seen.filter((x) => x.dir === 'up' && x.frame.includes('"type":"send"')).map((x) => x.binary)).toEqual([undefined]);
      await client.close();
      await bob.client.close();
    } finally {
      proxy.down = (f) => f;
    }
  });

  it('refuses a malformed binary send with its typed error, queues nothing of it, and keeps the connection working', async () => {
    const { client, conn, bob, got } = await pair();
    const raw = (b: string | Uint8Array): Uint8Array => (typeof b === 'string' ? new Uint8Array(Buffer.from(b, 'base64url')) : b);
    const good = encodeBinarySend(2_000_000, [{ accountKey: raw(bob.account.id), deviceKey: raw(bob.device.id), envelope: bytes('x') }]);
    const cut = good.subarray(0, good.length - 1);
    const version = good.slice();
    version[1] = 9;
    const unknown = encodeBinarySend(2_000_001, [{ accountKey: raw(bob.account.id), deviceKey: new Uint8Array(32).fill(5), envelope: bytes('y') }]);
    for (const f of [cut, version, unknown]) conn.toRelay(f);
    const answers = (): { id: number | null; code?: string }[] =>
      conn.seen.filter((x) => x.dir === 'down' && x.frame.includes('"response"')).map((x) => JSON.parse(x.frame) as { id: number | null; code?: string })
        .filter((r) => r.id === null || r.id >= 2_000_000);
    await waitFor(() => answers().length === 3);
    expect(answers()).toEqual([
      expect.objectContaining({ id: 2_000_000, code: 'BAD_FRAME' }),
      expect.objectContaining({ id: 2_000_000, code: 'UNSUPPORTED_VERSION' }),
      expect.objectContaining({ id: 2_000_001, code: 'UNKNOWN_DEVICE' }),
    ]);
    expect(await client.send([{ accountId: bob.account.id, deviceId: bob.device.id, envelope: bytes('after') }])).toEqual({ queued: 1 });
    await waitFor(() => got.length === 1);
    expect(got).toEqual(['after']);
    await client.close();
    await bob.client.close();
  });
});
