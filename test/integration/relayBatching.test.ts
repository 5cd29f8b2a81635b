/**
 * The relay's side of batching, on SQLite and PostgreSQL: one send frame may
 * address a device more than once (a burst to one contact) and its
 * envelopes reach that device in frame order; a device signing in with
 * messages waiting is told how many (the backlog push), and one without is
 * told nothing; unacked pushes stop at the delivery window's count or bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RelayClient, type IncomingMessage } from '../../src/main/relayClient/client';
import { startTestPostgres, type TestPostgres } from '../support/postgres';
import { envelope, registerDevice, startTestRelay, waitFor } from '../support/relayHarness';
import { RELAY_DELIVERY_WINDOW, RELAY_DELIVERY_WINDOW_BYTES } from '../../src/shared/constants';

type Relay = Awaited<ReturnType<typeof startTestRelay>>;
const text = (m: IncomingMessage): string => new TextDecoder().decode(m.envelope);

describe.each(['sqlite', 'postgres'] as const)('relay batching on %s', (kind) => {
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

  it('queues a device addressed several times in one send frame, and delivers its envelopes in frame order', async () => {
    const alice = await registerDevice(relay.url);
    const bob = await registerDevice(relay.url);
    const carol = await registerDevice(relay.url);
    const got = new Map<string, string[]>([[bob.device.id, []], [carol.device.id, []]]);
    for (const d of [bob, carol]) d.client.onMessage((m) => got.get(d.device.id)!.push(text(m)));
    const to = (d: typeof bob, body: string) => ({ accountId: d.account.id, deviceId: d.device.id, envelope: envelope(body) });
    const frame = [to(bob, 'b0'), to(carol, 'c0'), to(bob, 'b1'), to(bob, 'b2'), to(carol, 'c1'), to(bob, 'b3')];
    expect(await alice.client.send(frame)).toEqual({ queued: 6 });
    await waitFor(() => got.get(bob.device.id)!.length === 4 && got.get(carol.device.id)!.length === 2);
    expect(got.get(bob.device.id)).toEqual(['b0', 'b1', 'b2', 'b3']);
    expect(got.get(carol.device.id)).toEqual(['c0', 'c1']);
    for (const c of [alice, bob, carol]) await c.client.close();
  });

  it('tells a device how many messages wait for it when it signs in, and says nothing when none do', async () => {
    const alice = await registerDevice(relay.url);
    const bob = await registerDevice(relay.url);
    await bob.client.close();
    const batch = Array.from({ length: 40 }, (_, i) => ({ accountId: bob.account.id, deviceId: bob.device.id, envelope: envelope(`m${i}`) }));
    await alice.client.send(batch);
    await alice.client.send(batch.slice(0, 7));

    const again = await RelayClient.connect(relay.url);
    const backlog: number[] = [];
    const pushes: number[] = [];
    again.onBacklog((n) => backlog.push(n));
    again.onMessages((ms) => pushes.push(ms.length));
    await again.authenticate(bob.account.id, bob.device);
    await waitFor(() => pushes.reduce((a, b) => a + b, 0) === 47);
    expect(backlog).toEqual([47]);
    // The relay's push arrives as batches (one WebSocket message each), not one callback per message.
    expect(pushes.length).toBeLessThan(47);

    const idle = await RelayClient.connect(relay.url);
    const none: number[] = [];
    idle.onBacklog((n) => none.push(n));
    await idle.authenticate(alice.account.id, alice.device);
    // Listening before the send: its push may come before the send's answer.
    const pinged = new Promise<void>((resolve) => idle.onMessage(() => resolve()));
    await alice.client.send([{ accountId: alice.account.id, deviceId: alice.device.id, envelope: envelope('ping') }]);
    await pinged;
    expect(none).toEqual([]);
    for (const c of [alice.client, again, idle]) await c.close();
  });

  it('pushes no more unacked envelope text than its byte window, and the rest in order once acked', async () => {
    const alice = await registerDevice(relay.url);
    const bob = await registerDevice(relay.url);
    await bob.client.close();
    const big = (i: number): string => envelope(`${String(i).padStart(4, '0')}${'x'.repeat(90_000)}`); // ≈ 120,000 characters each
    const total = 30;
    for (let i = 0; i < total; i += 2) await alice.client.send([i, i + 1].map((j) => ({ accountId: bob.account.id, deviceId: bob.device.id, envelope: big(j) })));
    const perEnvelope = big(0).length;
    const windowCount = Math.ceil(RELAY_DELIVERY_WINDOW_BYTES / perEnvelope); // the push that crosses the cap is the last
    expect(windowCount).toBeLessThan(Math.min(total, RELAY_DELIVERY_WINDOW));

    const again = await RelayClient.connect(relay.url);
    const got: IncomingMessage[] = [];
    again.onMessages((ms) => got.push(...ms));
    await again.authenticate(bob.account.id, bob.device);
    await waitFor(() => got.length === windowCount);
    await new Promise((r) => setTimeout(r, 300));
    expect(got.length).toBe(windowCount);
    await again.ack(got.map((m) => m.id));
    await waitFor(() => got.length === total);
    expect(got.map((m) => text(m).slice(0, 4))).toEqual(Array.from({ length: total }, (_, i) => String(i).padStart(4, '0')));
    for (const c of [alice.client, again]) await c.close();
  });
});
