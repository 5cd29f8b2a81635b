import WebSocket from 'ws';
import { afterAll, describe, expect, it } from 'vitest';
import { RelayClient, type IncomingMessage } from '../../src/main/relayClient/client';
import { signChallenge } from '../../src/main/relayClient/signing';
import { fromBase64Url } from '../../src/shared/wire/encoding';
import { envelope, registerDevice, tempDir, waitFor, type TestDevice } from '../support/relayHarness';
import { spawnRelay, type RelayProcess } from '../support/relayProcess';

const TOTAL_FRAMES = Number(process.env.FUZZ_FRAMES ?? 100_000);
const CONNECTIONS = 4;
const BATCH = 500;
const DEADLINE_MS = 50_000;
const BARRIER_RETRIES = 10;

let relay: RelayProcess | null = null;
afterAll(() => relay?.proc.kill('SIGKILL'));

/** xorshift32: deterministic, so a failure replays with the same seed. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

function corpus(alice: TestDevice, bob: TestDevice): string[] {
  const a = alice.account.id;
  const d = bob.device.id;
  const b = bob.account.id;
  return [
    `{"v":1,"type":"ping","id":1}`,
    `{"v":1,"type":"send","id":2,"messages":[{"accountId":"${b}","deviceId":"${d}","envelope":"${envelope('fuzz')}"}]}`,
    `{"v":1,"type":"ack","id":3,"ids":["1","2","99999"]}`,
    `{"v":1,"type":"getDeviceList","id":4,"accountId":"${a}"}`,
    `{"v":1,"type":"fetchBundle","id":5,"accountId":"${b}","deviceId":"${d}"}`,
    `{"v":1,"type":"prekeyCount","id":6}`,
    `{"v":1,"type":"uploadPrekeys","id":7,"oneTimeEc":[{"keyId":1,"publicKey":"${'A'.repeat(43)}","signature":"${'B'.repeat(86)}"}]}`,
    `{"v":1,"type":"putDeviceList","id":8,"list":${JSON.stringify(alice.list)}}`,
    `{"v":1,"type":"auth","id":9,"accountId":"${a}","deviceId":"${d}","signature":"${'C'.repeat(86)}"}`,
    `{"v":1,"type":"provisionSend","id":10,"channelId":"${'D'.repeat(22)}","payload":"AAAA"}`,
    `{"v":1,"type":"attachmentUpload","id":11}`,
  ];
}

function mutate(frame: string, r: () => number): string {
  let s = frame;
  const n = 1 + Math.floor(r() * 3);
  for (let i = 0; i < n; i++) {
    const pos = Math.floor(r() * s.length);
    switch (Math.floor(r() * 6)) {
      case 0:
        s = s.slice(0, pos) + String.fromCharCode(Math.floor(r() * 128)) + s.slice(pos + 1);
        break;
      case 1:
        s = s.slice(0, pos) + s.slice(pos + 1 + Math.floor(r() * 10));
        break;
      case 2:
        s = s.slice(0, pos) + s.slice(pos, pos + 20) + s.slice(pos);
        break;
      case 3:
        s = s.replace('{', '{"__proto__":{"isAdmin":true},');
        break;
      case 4:
        s = s.replace(/\d+/, String(Math.floor(r() * 2 ** 40) - 2 ** 39));
        break;
      default:
        s = s.replace(/"[a-zA-Z]+":/, `"${['constructor', 'prototype', 'v', 'type', 'id', ''][Math.floor(r() * 6)]}":`);
    }
  }
  return s;
}

function randomFrame(r: () => number, seeds: readonly string[]): string | Buffer {
  const pick = r();
  if (pick < 0.15) return Buffer.from(Array.from({ length: Math.floor(r() * 64) }, () => Math.floor(r() * 256)));
  if (pick < 0.25) return Array.from({ length: Math.floor(r() * 64) }, () => String.fromCharCode(32 + Math.floor(r() * 95))).join('');
  return mutate(seeds[Math.floor(r() * seeds.length)]!, r);
}

/** One fuzzing connection: sends batches, then a ping barrier; reconnects (and re-authenticates) when the relay closes it. */
async function fuzzConnection(url: string, who: TestDevice | null, frames: number, seed: number, seeds: readonly string[]): Promise<number> {
  const r = rng(seed);
  let sent = 0;
  while (sent < frames) {
    const ws = new WebSocket(url);
    let nonce: Uint8Array | null = null;
    let relayKey: Uint8Array | null = null;
    const barrier = new Map<number, () => void>();
    ws.on('message', (d) => {
      for (const line of String(d).split('\n')) {
        const f = JSON.parse(line) as { type: string; id?: number; nonce?: string; relayKey?: string };
        if (f.type === 'challenge') [nonce, relayKey] = [fromBase64Url(f.nonce!), fromBase64Url(f.relayKey!)];
        else if (f.type === 'response' && typeof f.id === 'number') barrier.get(f.id)?.();
      }
    });
    const closed = new Promise<void>((res) => ws.on('close', () => res()));
    ws.on('error', () => undefined);
    await waitFor(() => nonce !== null, 10_000);
    const until = (id: number): Promise<boolean> =>
      Promise.race([new Promise<boolean>((res) => barrier.set(id, () => res(true))), closed.then(() => false)]);
    if (who) {
      const host = new URL(url).host;
      const ok = until(1_000_000);
      ws.send(JSON.stringify({ v: 1, type: 'auth', id: 1_000_000, accountId: who.account.id, deviceId: who.device.id, signature: signChallenge(relayKey!, host, nonce!, who.account.id, who.device) }));
      await ok;
    }
    while (sent < frames && ws.readyState === WebSocket.OPEN) {
      for (let i = 0; i < BATCH && sent < frames; i++, sent++) ws.send(randomFrame(r, seeds));
      // Barrier: a ping answered means every earlier frame was handled. The ping itself may be
      // refused by the flood limit (that refusal carries no id), so retry after the bucket refills.
      let answered: boolean | 'timeout' = 'timeout';
      for (let attempt = 0; attempt < BARRIER_RETRIES && answered === 'timeout'; attempt++) {
        const id = 2_000_000 + sent * 100 + attempt;
        const alive = until(id);
        ws.send(JSON.stringify({ v: 1, type: 'ping', id }));
        answered = await Promise.race([alive, new Promise<'timeout'>((res) => setTimeout(() => res('timeout'), 1_000))]);
      }
      if (answered === 'timeout') throw new Error(`relay stopped answering after ${sent} frames`);
      if (!answered) break;
    }
    ws.close();
    await closed;
  }
  return sent;
}

describe('relay fuzzing', () => {
  it('survives 100,000 random and mutated frames, keeps serving and keeps memory stable', async () => {
    relay = await spawnRelay(['--data', tempDir()]);
    const alice = await registerDevice(relay.url);
    const bob = await registerDevice(relay.url);
    const seeds = corpus(alice, bob);
    const rss = async (): Promise<number> => Number(/process_resident_memory_bytes (\d+)/.exec(await (await fetch(`${relay!.httpUrl}/metrics`)).text())![1]);
    const started = Date.now();
    const per = TOTAL_FRAMES / CONNECTIONS;
    const half = async (offset: number): Promise<number> => {
      const counts = await Promise.all(
        Array.from({ length: CONNECTIONS }, (_, i) => fuzzConnection(relay!.url, i % 2 === 0 ? alice : null, per / 2, 1 + i + offset, seeds)),
      );
      return counts.reduce((x, y) => x + y, 0);
    };
    let total = await half(0);
    const rssMid = await rss();
    total += await half(100);
    const rssEnd = await rss();
    expect(total).toBeGreaterThanOrEqual(TOTAL_FRAMES);
    expect(Date.now() - started).toBeLessThan(DEADLINE_MS);
    expect(rssEnd - rssMid).toBeLessThan(64 * 1024 * 1024);
    const metrics = await (await fetch(`${relay.httpUrl}/metrics`)).text();
    const refused = [...metrics.matchAll(/parley_relay_rejections_total\{code="(\w+)"\} (\d+)/g)].reduce((n, m) => n + Number(m[2]), 0);
    console.log(`fuzz: ${total} frames, ${refused} refused, rss ${rssMid} -> ${rssEnd}`);
    expect(refused).toBeGreaterThan(TOTAL_FRAMES / 2);

    // Still serving: a fresh pair exchanges a message end to end.
    const carol = await registerDevice(relay.url);
    const got: IncomingMessage[] = [];
    bob.client.onMessage((m) => got.push(m));
    await carol.client.send([{ accountId: bob.account.id, deviceId: bob.device.id, envelope: envelope('after fuzz') }]);
    await waitFor(() => got.some((m) => new TextDecoder().decode(m.envelope) === 'after fuzz'));
    expect(await (await fetch(`${relay.httpUrl}/healthz`)).text()).toBe('ok\n');
    await Promise.all([alice.client.close(), bob.client.close(), carol.client.close()]);
    const proc = relay.proc;
    proc.kill('SIGTERM');
    expect(await relay.exited).toBe(0);
  });
});

export { RelayClient };
