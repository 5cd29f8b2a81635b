/**
 * "Receiving 3,400 of 10,000": the catch-up progress rides on the connection
 * state. The monitor keeps it while the link stays online, drops it once
 * caught up or offline (the badge's label, selectConnectionLabel, shows it
 * as "Receiving 3,400 of 10,000").
 */
import { describe, expect, it } from 'vitest';
import { ConnectionMonitor } from '../../../src/main/app/connection';
import { CoreEvents } from '../../../src/main/app/events';
import type { ConnectionState } from '../../../src/shared/contract';

const RELAY = 'ws://127.0.0.1:1/v1/ws';

function monitor(): { m: ConnectionMonitor; seen: ConnectionState[] } {
  const events = new CoreEvents();
  const seen: ConnectionState[] = [];
  events.subscribe((name, payload) => {
    if (name === 'connectionState') seen.push(payload as ConnectionState);
  });
  return { m: new ConnectionMonitor(events, RELAY), seen };
}

describe('catch-up progress on the connection state', () => {
  it('carries progress while online, once per update, and drops it when caught up', () => {
    const { m, seen } = monitor();
    m.set({ state: 'online', relay: RELAY, retryInMs: null });
    m.receiving({ done: 0, total: 10_000 });
    m.receiving({ done: 3_400, total: 10_000 });
    m.receiving({ done: 3_400, total: 10_000 });
    m.set({ state: 'online', relay: RELAY, retryInMs: null });
    expect(m.current.receiving).toEqual({ done: 3_400, total: 10_000 });
    m.receiving(null);
    expect(m.current.receiving).toBeUndefined();
    expect(seen.map((s) => s.receiving?.done ?? null)).toEqual([null, 0, 3_400, null]);
  });

  it('keeps progress reported while still signing in, and drops it when the link goes offline', () => {
    const { m } = monitor();
    m.set({ state: 'connecting', relay: RELAY, retryInMs: null });
    m.receiving({ done: 0, total: 500 });
    m.set({ state: 'online', relay: RELAY, retryInMs: null });
    expect(m.current.receiving).toEqual({ done: 0, total: 500 });
    m.set({ state: 'offline', relay: RELAY, retryInMs: 1_000 });
    expect(m.current.receiving).toBeUndefined();
  });
});
