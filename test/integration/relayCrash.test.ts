import { afterAll, describe, expect, it } from 'vitest';
import { RelayClient, type IncomingMessage } from '../../src/main/relayClient/client';
import { envelope, registerDevice, tempDir, waitFor } from '../support/relayHarness';
import { spawnRelay, type RelayProcess } from '../support/relayProcess';

const running: RelayProcess[] = [];
afterAll(() => {
  for (const r of running) r.proc.kill('SIGKILL');
});

describe('relay process', () => {
  it('delivers every queued message exactly once after acks across a kill -9 and a restart through the parley-relay bin', async () => {
    const dataDir = tempDir();
    const first = await spawnRelay(['--data', dataDir]);
    running.push(first);
    const alice = await registerDevice(first.url);
    const bob = await registerDevice(first.url);
    await bob.client.close();
    const sent = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const text = `message ${i}`;
      sent.add(text);
      await alice.client.send([{ accountId: bob.account.id, deviceId: bob.device.id, envelope: envelope(text) }]);
    }
    first.proc.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');

    const second = await spawnRelay(['--data', dataDir]);
    running.push(second);
    const client = await RelayClient.connect(second.url);
    const got: IncomingMessage[] = [];
    client.onMessage((m) => got.push(m));
    await client.authenticate(bob.account.id, bob.device);
    await waitFor(() => got.length >= 200);
    const texts = got.map((m) => new TextDecoder().decode(m.envelope));
    expect(new Set(texts)).toEqual(sent);
    expect(texts).toHaveLength(200);
    await client.ack(got.map((m) => m.id));
    await client.close();

    const after = await RelayClient.connect(second.url);
    const more: IncomingMessage[] = [];
    after.onMessage((m) => more.push(m));
    await after.authenticate(bob.account.id, bob.device);
    await after.request({ type: 'ping' });
    await new Promise((r) => setTimeout(r, 100));
    expect(more).toHaveLength(0);
    await after.close();

    second.proc.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  it('refuses bad flags with a usage message and exit code 2', async () => {
    await expect(spawnRelay(['--port', 'banana'])).rejects.toThrow(/exited 2: parley-relay: --port must be 0..65535/);
    await expect(spawnRelay(['--no-such-flag'])).rejects.toThrow(/exited 2/);
  });
});
