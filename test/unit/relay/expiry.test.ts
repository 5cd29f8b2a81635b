import { describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../../src/relay/store/sqlite';
import { tempDir } from '../../support/relayHarness';

describe('relay message expiry', () => {
  it('stops handing out expired messages and purges them with a count, keeping live ones', async () => {
    const store = openSqliteStore({ dataDir: tempDir() });
    const now = Date.now();
    await store.enqueue([{ deviceKey: 'a.b', envelope: 'OLD' }], now - 10_000, now - 1);
    await store.enqueue([{ deviceKey: 'a.b', envelope: 'NEW' }], now, now + 60_000);
    await store.createAttachment({ id: 'x'.repeat(22), tokenHash: 'h', size: null, expiresAt: now - 1 });
    expect((await store.pending('a.b', 10, now)).map((m) => m.envelope)).toEqual(['NEW']);
    expect(await store.purgeExpired(now)).toEqual({ messages: 1, attachments: ['x'.repeat(22)] });
    expect(await store.queueDepth()).toBe(1);
    await store.close();
  });
});
