/**
 * Binary message pushes (docs/protocol.md §3.1.1) between a real relay and
 * the real relay client, through the hostile proxy: a client that asks gets
 * its envelopes as binary frames and acks them by id; a client whose
 * request the relay does not know (an older relay) gets JSON and takes it;
 * a malformed binary frame is dropped whole and counted, and delivery goes
 * on with nothing lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RelayClient, type IncomingMessage } from '../../src/main/relayClient/client';
import { encodePushes, PUSH_FRAME_TAG } from '../../src/shared/wire/pushFrame';
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
});
