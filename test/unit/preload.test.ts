/**
 * Runs the built preload bundle (the artifact Electron loads) in a VM with
 * an `electron` module that records what the preload does, and checks that
 * it exposes exactly the contract and nothing generic.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import vm from 'node:vm';
import { BRIDGE_KEYS, CALL_NAMES, callChannel, eventChannel } from '../../src/shared/contract';
import { preloadOut, repoRoot } from '../support/paths';

interface Recorded {
  exposed: Map<string, Record<string, (...a: unknown[]) => unknown>>;
  invoked: [string, unknown][];
  listeners: Map<string, Set<(...a: unknown[]) => void>>;
}

function runPreload(): Recorded {
  const rec: Recorded = { exposed: new Map(), invoked: [], listeners: new Map() };
  const electron = {
    contextBridge: {
      exposeInMainWorld: (key: string, api: Record<string, (...a: unknown[]) => unknown>) => rec.exposed.set(key, api),
    },
    ipcRenderer: {
      invoke: (channel: string, payload: unknown) => {
        rec.invoked.push([channel, payload]);
        return Promise.resolve({ ok: true, value: null });
      },
      on: (channel: string, fn: (...a: unknown[]) => void) => {
        const set = rec.listeners.get(channel) ?? new Set();
        set.add(fn);
        rec.listeners.set(channel, set);
      },
      removeListener: (channel: string, fn: (...a: unknown[]) => void) => rec.listeners.get(channel)?.delete(fn),
    },
  };
  const requireStub = (id: string) => {
    if (id === 'electron') return electron;
    throw new Error(`a sandboxed preload cannot require "${id}"`);
  };
  const module = { exports: {} };
  vm.runInNewContext(readFileSync(preloadOut, 'utf8'), { require: requireStub, module, exports: module.exports, console });
  return rec;
}

describe('the built preload', () => {
  beforeAll(() => {
    if (!existsSync(preloadOut)) execFileSync('npx', ['electron-vite', 'build'], { cwd: repoRoot, stdio: 'ignore' });
  });

  it('exposes exactly one object, window.parley, whose keys are the contract list', () => {
    const rec = runPreload();
    expect([...rec.exposed.keys()]).toEqual(['parley']);
    const api = rec.exposed.get('parley')!;
    expect(Object.keys(api)).toEqual([...BRIDGE_KEYS]);
    expect(Object.isFrozen(api)).toBe(true);
    expect(api).not.toHaveProperty('invoke');
    expect(api).not.toHaveProperty('send');
    expect(api).not.toHaveProperty('ipcRenderer');
  });

  it('sends each call on its own channel, defaulting the request to {}', async () => {
    const rec = runPreload();
    const api = rec.exposed.get('parley')!;
    for (const name of CALL_NAMES) await api[name]!();
    expect(rec.invoked).toEqual(CALL_NAMES.map((n) => [callChannel(n), {}]));
  });

  it('hands listeners only the payload and unsubscribes cleanly', () => {
    const rec = runPreload();
    const api = rec.exposed.get('parley')!;
    const seen: unknown[][] = [];
    const stop = api['onConnectionState']!((...args: unknown[]) => seen.push(args)) as () => void;
    const channel = eventChannel('connectionState');
    for (const fn of rec.listeners.get(channel)!) fn({ sender: 'SECRET-IPC-EVENT' }, { state: 'online' });
    expect(seen).toEqual([[{ state: 'online' }]]);
    stop();
    expect(rec.listeners.get(channel)!.size).toBe(0);
    expect(() => api['onConnectionState']!('not a function')).toThrow(/needs a function/);
  });
});
