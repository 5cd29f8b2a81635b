import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { RelayClient } from '../../src/main/relayClient/client';
import { generateSigningKey, signDeviceList } from '../../src/main/relayClient/signing';
import { startTestRelay, tempDir } from '../support/relayHarness';

describe('relay over TLS', () => {
  it('serves wss:// with the configured certificate and authenticates a device over it', async () => {
    const dir = tempDir();
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'pipe' });
    const relay = await startTestRelay({ tls: { cert, key } });
    try {
      expect(relay.url).toMatch(/^wss:\/\//);
      const account = await generateSigningKey();
      const device = await generateSigningKey();
      const client = await RelayClient.connect(relay.url, { ca: fs.readFileSync(cert) });
      await client.authenticate(account.id, device, signDeviceList(account, 1, [{ deviceId: device.id, addedAt: 1 }]));
      expect(await client.request({ type: 'ping' })).toHaveProperty('time');
      await client.close();
      await expect(RelayClient.connect(relay.url)).rejects.toThrow(/cannot connect/);
    } finally {
      await relay.close();
    }
  });
});
