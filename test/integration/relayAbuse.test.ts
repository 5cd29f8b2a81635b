import net from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RelayClient } from '../../src/main/relayClient/client';
import { RELAY_MAX_FRAME_BYTES } from '../../src/shared/constants';
import { envelope, registerDevice, startTestRelay, waitFor, makeSignedPrekeys } from '../support/relayHarness';

type Relay = Awaited<ReturnType<typeof startTestRelay>>;
let relay: Relay;
const logLines: string[] = [];

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _enc, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  relay = await startTestRelay({
    logger: pino({ level: 'trace' }, sink),
    limits: { maxConnectionsPerIp: 40, frameRatePerSec: 200, frameBurst: 400, authTimeoutMs: 1_500, headersTimeoutMs: 500, sendBucketSize: 10, sendRefillPerSec: 0.01 },
  });
});
afterAll(async () => {
  await relay.close();
});

/** Opens a raw ws, skips the challenge, and returns a function sending one frame and resolving with the next frame. */
async function raw(): Promise<{ ws: WebSocket; next: (data: string | Buffer) => Promise<Record<string, unknown>> }> {
  const ws = new WebSocket(relay.url);
  const queue: Record<string, unknown>[] = [];
  ws.on('message', (d) => {
    for (const line of String(d).split('\n')) queue.push(JSON.parse(line) as Record<string, unknown>);
  });
  await waitFor(() => queue.length === 1);
  queue.shift();
  return {
    ws,
    async next(data) {
      ws.send(data);
      await waitFor(() => queue.length > 0);
      return queue.shift()!;
    },
  };
}

describe('bad input', () => {
  it('answers malformed, binary, prototype-polluting, unknown and wrong-version frames with typed codes and keeps serving', async () => {
    const { ws, next } = await raw();
    expect(await next('{not json')).toMatchObject({ ok: false, code: 'BAD_FRAME' });
    expect(await next(Buffer.from([0, 1, 2, 255]))).toMatchObject({ ok: false, code: 'BAD_FRAME' });
    expect(await next('[1,2,3]')).toMatchObject({ ok: false, code: 'BAD_FRAME' });
    expect(await next('{"v":1,"type":"ping","id":1,"__proto__":{"polluted":true}}')).toMatchObject({ id: 1, ok: false, code: 'BAD_FRAME' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await next('{"v":1,"type":"explode","id":2}')).toMatchObject({ id: 2, code: 'UNKNOWN_TYPE' });
    expect(await next('{"v":2,"type":"ping","id":3}')).toMatchObject({ id: 3, code: 'UNSUPPORTED_VERSION' });
    expect(await next('{"v":1,"type":"send","id":4,"messages":[]}')).toMatchObject({ id: 4, code: 'BAD_FRAME' });
    expect(await next('{"v":1,"type":"ping","id":5}')).toMatchObject({ id: 5, ok: true });
    ws.close();
  });

  it('closes a connection that sends an oversized frame, and other clients are unaffected', async () => {
    const bystander = await registerDevice(relay.url);
    const { ws } = await raw();
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
    ws.send('x'.repeat(RELAY_MAX_FRAME_BYTES + 1));
    expect(await closed).toBe(1009);
    expect(await bystander.client.request({ type: 'ping' })).toHaveProperty('time');
    await bystander.client.close();
  });

  it('refuses frames past the per-connection flood limit with RATE_LIMITED', async () => {
    const { ws } = await raw();
    const codes: string[] = [];
    ws.on('message', (d) => {
      for (const line of String(d).split('\n')) codes.push(String((JSON.parse(line) as { code?: string }).code ?? 'ok'));
    });
    for (let i = 0; i < 600; i++) ws.send(`{"v":1,"type":"ping","id":${i}}`);
    await waitFor(() => codes.length === 600);
    expect(codes.filter((c) => c === 'RATE_LIMITED').length).toBeGreaterThan(100);
    ws.close();
  });

  it('rate-limits a flooding sender with RATE_LIMITED while its other requests keep working', async () => {
    const alice = await registerDevice(relay.url);
    const bob = await registerDevice(relay.url);
    const to = { accountId: bob.account.id, deviceId: bob.device.id, envelope: envelope('x') };
    const codes: string[] = [];
    for (let i = 0; i < 12; i++) codes.push(await alice.client.send([to]).then(() => 'ok', (e: { code: string }) => e.code));
    expect(codes.slice(0, 10).every((c) => c === 'ok')).toBe(true);
    expect(codes.slice(10)).toEqual(['RATE_LIMITED', 'RATE_LIMITED']);
    expect(await alice.client.prekeyCount()).toEqual({ oneTimeEc: 0, oneTimeKem: 0 });
    const carol = await registerDevice(relay.url);
    expect(await carol.client.send([to])).toEqual({ queued: 1 });
    await Promise.all([alice.client.close(), bob.client.close(), carol.client.close()]);
  });

  it('closes connections that never authenticate', async () => {
    const c = await RelayClient.connect(relay.url);
    const code = await new Promise<number>((r) => c.onClose(r));
    expect(code).toBe(4002);
  });

  it('caps connections per IP with 429 and keeps serving the ones already open', async () => {
    const open = await Promise.all(Array.from({ length: 40 }, () => RelayClient.connect(relay.url).catch(() => null)));
    const extra = await RelayClient.connect(relay.url).then(
      () => 'connected',
      (e: Error) => e.message,
    );
    expect(extra).toMatch(/429/);
    expect(await open[0]!.request({ type: 'ping' })).toHaveProperty('time');
    await Promise.all(open.map((c) => c?.close()));
  });

  it('drops a slowloris client that never finishes its headers', async () => {
    const url = new URL(relay.httpUrl);
    const sock = net.connect(Number(url.port), url.hostname);
    sock.on('error', () => undefined);
    await new Promise((r) => sock.once('connect', r));
    sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    const ended = await new Promise<string>((r) => {
      let data = '';
      sock.on('data', (d) => (data += String(d)));
      sock.on('close', () => r(data));
    });
    expect(ended).toMatch(/408|^$/);
  });

  it('serves /healthz and /metrics with rejection counts by code', async () => {
    expect(await (await fetch(`${relay.httpUrl}/healthz`)).text()).toBe('ok\n');
    const metrics = await (await fetch(`${relay.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/parley_relay_rejections_total\{code="BAD_FRAME"\} \d+/);
    expect(metrics).toMatch(/parley_relay_delivery_latency_ms_bucket\{le="\+Inf"\}/);
    expect(metrics).toMatch(/parley_relay_queue_depth \d+/);
  });
});

describe('logs', () => {
  it('never contain payloads, account or device ids, keys or signatures', async () => {
    const alice = await registerDevice(relay.url);
    const bob = await registerDevice(relay.url);
    await bob.client.uploadPrekeys(makeSignedPrekeys(bob.device));
    const bundle = await alice.client.fetchBundle(bob.account.id, bob.device.id);
    const secretText = envelope('very secret payload');
    await alice.client.send([{ accountId: bob.account.id, deviceId: bob.device.id, envelope: secretText }]);
    await bob.client.request({ type: 'send', messages: [{ accountId: 'A'.repeat(43), deviceId: 'B'.repeat(43), envelope: secretText }] }).catch(() => undefined);
    await Promise.all([alice.client.close(), bob.client.close()]);
    const text = logLines.join('');
    expect(text.length).toBeGreaterThan(0);
    for (const secret of [secretText, alice.account.id, alice.device.id, bob.account.id, bob.device.id, bundle.signedPrekey.publicKey, bundle.signedPrekey.signature]) {
      expect(text).not.toContain(secret);
    }
  });
});
