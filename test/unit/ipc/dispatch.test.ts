import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCore } from '../../../src/main/app/core';
import { createDispatcher, type SenderInfo } from '../../../src/main/ipc/dispatch';
import { createHandlers } from '../../../src/main/ipc/handlers';
import { IPC_MAX_DEPTH, IPC_MAX_PAYLOAD_BYTES } from '../../../src/shared/constants';
import { CALL_NAMES } from '../../../src/shared/contract';
import { ParleyError } from '../../../src/shared/errors';
import { ScriptedConfirmer } from '../../support/scriptedConfirmer';

const ORIGIN = 'app://parley';
const own: SenderInfo = { url: 'app://parley/index.html', isMainFrame: true };

function setup(overrides: Partial<ReturnType<typeof createHandlers>> = {}) {
  const core = createCore({
    identity: { name: 'Parley', version: '9.9.9', platform: 'linux' },
    relayUrl: 'ws://127.0.0.1:1',
    dataDir: mkdtempSync(path.join(os.tmpdir(), 'parley-ipc-')),
  });
  const internal: unknown[] = [];
  const dispatch = createDispatcher(
    { ...createHandlers(core, new ScriptedConfirmer()), ...overrides },
    { trustedOrigin: ORIGIN, onInternalError: (_c, e) => internal.push(e) },
  );
  return { core, dispatch, internal };
}

describe('the IPC dispatcher', () => {
  it('answers a valid call from the app window with ok and the handler value', async () => {
    const { dispatch } = setup();
    const r = await dispatch('getAppInfo', {}, own);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.value).toMatchObject({ name: 'Parley', version: '9.9.9', crypto: { library: 'libsodium' } });
  });

  it('has a handler for every call in the contract, and no other', () => {
    const core = createCore({ identity: { name: 'Parley', version: '1', platform: 'linux' }, relayUrl: 'ws://127.0.0.1:1', dataDir: mkdtempSync(path.join(os.tmpdir(), 'parley-ipc-')) });
    const table = createHandlers(core, new ScriptedConfirmer());
    expect(Object.keys(table).sort()).toEqual([...CALL_NAMES].sort());
    for (const name of CALL_NAMES) expect(typeof table[name], name).toBe('function');
  });

  it('answers calls that need an account with CHAT_LOCKED before one exists', async () => {
    const { dispatch } = setup();
    expect(await dispatch('listContacts', {}, own)).toMatchObject({ ok: false, code: 'CHAT_LOCKED' });
    expect(await dispatch('getSession', {}, own)).toMatchObject({ ok: true, value: { status: 'new' } });
  });

  it('rejects a call from a foreign origin with IPC_FORBIDDEN_SENDER', async () => {
    const { dispatch } = setup();
    const r = await dispatch('getAppInfo', {}, { url: 'https://evil.example/', isMainFrame: true });
    expect(r).toEqual({ ok: false, code: 'IPC_FORBIDDEN_SENDER', message: expect.any(String) });
  });

  it('rejects a call from a subframe of the app’s own origin', async () => {
    const { dispatch } = setup();
    const r = await dispatch('getAppInfo', {}, { url: 'app://parley/index.html', isMainFrame: false });
    expect(r).toMatchObject({ ok: false, code: 'IPC_FORBIDDEN_SENDER' });
  });

  it('rejects a look-alike origin and an unparsable sender URL', async () => {
    const { dispatch } = setup();
    for (const url of ['app://parley.evil/index.html', 'app://parle/index.html', 'not a url', '']) {
      const r = await dispatch('getAppInfo', {}, { url, isMainFrame: true });
      expect(r, url).toMatchObject({ ok: false, code: 'IPC_FORBIDDEN_SENDER' });
    }
  });

  it('rejects an unknown call name, including inherited Object properties', async () => {
    const { dispatch } = setup();
    for (const name of ['nope', 'toString', '__proto__', 'constructor', 'hasOwnProperty']) {
      const r = await dispatch(name, {}, own);
      expect(r, name).toMatchObject({ ok: false, code: 'IPC_UNKNOWN_CALL' });
    }
  });

  it('rejects a payload with unexpected fields or the wrong type', async () => {
    const { dispatch } = setup();
    for (const payload of [{ extra: true }, 'string', 42, [1, 2], true]) {
      const r = await dispatch('getAppInfo', payload, own);
      expect(r, JSON.stringify(payload)).toMatchObject({ ok: false, code: 'IPC_BAD_REQUEST' });
    }
  });

  it('rejects prototype-polluting keys at any depth without polluting anything', async () => {
    const { dispatch } = setup();
    const payloads = [
      JSON.parse('{"__proto__": {"polluted": true}}'),
      JSON.parse('{"a": {"b": {"__proto__": {"polluted": true}}}}'),
      { constructor: { prototype: { polluted: true } } },
      JSON.parse('[{"prototype": 1}]'),
    ];
    for (const payload of payloads) {
      const r = await dispatch('getAppInfo', payload, own);
      expect(r).toMatchObject({ ok: false, code: 'IPC_BAD_REQUEST' });
    }
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('rejects payloads that are too deep or too large', async () => {
    const { dispatch } = setup();
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < IPC_MAX_DEPTH + 2; i++) {
      const next = {};
      deep['x'] = next;
      deep = next;
    }
    expect(await dispatch('getAppInfo', root, own)).toMatchObject({ ok: false, code: 'IPC_BAD_REQUEST' });
    const big = { blob: 'x'.repeat(IPC_MAX_PAYLOAD_BYTES + 1) };
    expect(await dispatch('getAppInfo', big, own)).toMatchObject({ ok: false, code: 'IPC_BAD_REQUEST' });
  });

  it('rejects non-plain objects such as class instances and Maps', async () => {
    const { dispatch } = setup();
    for (const payload of [new Map(), new Date(), new (class X {})()]) {
      expect(await dispatch('getAppInfo', payload, own)).toMatchObject({ ok: false, code: 'IPC_BAD_REQUEST' });
    }
  });

  it('passes a typed domain error through with its code and message', async () => {
    const { dispatch } = setup({
      getAppInfo: () => {
        throw new ParleyError('STORE_LOCKED', 'The store is locked.');
      },
    });
    expect(await dispatch('getAppInfo', {}, own)).toEqual({ ok: false, code: 'STORE_LOCKED', message: 'The store is locked.' });
  });

  it('turns an unexpected exception into IPC_INTERNAL without a stack trace', async () => {
    const { dispatch, internal } = setup({
      getAppInfo: () => {
        throw new TypeError('secret detail at /home/user/file.ts:12:3');
      },
    });
    const r = await dispatch('getAppInfo', {}, own);
    expect(r).toMatchObject({ ok: false, code: 'IPC_INTERNAL' });
    expect(JSON.stringify(r)).not.toContain('secret detail');
    expect(JSON.stringify(r)).not.toContain('file.ts');
    expect(internal).toHaveLength(1);
  });

  it('keeps serving after bad input', async () => {
    const { dispatch } = setup();
    await dispatch('getAppInfo', JSON.parse('{"__proto__":{}}'), own);
    await dispatch('nope', {}, own);
    expect(await dispatch('getConnectionState', {}, own)).toMatchObject({ ok: true, value: { state: 'offline' } });
  });
});
