/** The daemon's JSON-RPC framing on its own (daemonRpc.ts), and `parley daemon` on the command line. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { answerLine, notificationLine, rpcMethod, type RpcTable } from '../../../src/cli/daemonRpc';
import { CliError, parseArgs } from '../../../src/cli/args';
import { DAEMON_MAX_BATCH } from '../../../src/shared/constants';

interface Ctx {
  readonly seen: string[];
}

const table: RpcTable<Ctx> = {
  echo: rpcMethod(z.strictObject({ text: z.string() }), (ctx: Ctx, p: { text: string }) => {
    ctx.seen.push(p.text);
    return { text: p.text };
  }),
  refuse: rpcMethod(z.strictObject({}), () => {
    throw new CliError('CLI_USAGE', 'Not like that.');
  }),
  broken: rpcMethod(z.strictObject({}), () => {
    throw new TypeError('secret detail that must not reach the client');
  }),
};

async function answer(line: string, ctx: Ctx = { seen: [] }, faults: string[] = []): Promise<unknown> {
  const out = await answerLine(line, table, ctx, (method, e) => faults.push(`${method}:${(e as Error).name}`));
  return out === null ? null : JSON.parse(out);
}

describe('daemon JSON-RPC framing', () => {
  it('answers a request with its id and the method result', async () => {
    expect(await answer('{"jsonrpc":"2.0","id":"x","method":"echo","params":{"text":"hi"}}')).toEqual({ jsonrpc: '2.0', id: 'x', result: { text: 'hi' } });
  });

  it('runs a notification (no id) without answering it', async () => {
    const ctx: Ctx = { seen: [] };
    expect(await answer('{"jsonrpc":"2.0","method":"echo","params":{"text":"quiet"}}', ctx)).toBeNull();
    expect(ctx.seen).toEqual(['quiet']);
  });

  it('answers each malformed request with its own error code and a usable id', async () => {
    expect(await answer('{"jsonrpc":')).toMatchObject({ id: null, error: { code: -32700 } });
    expect(await answer('{"jsonrpc":"1.0","id":3,"method":"echo"}')).toMatchObject({ id: 3, error: { code: -32600 } });
    expect(await answer('"just a string"')).toMatchObject({ id: null, error: { code: -32600 } });
    expect(await answer('{"jsonrpc":"2.0","id":4,"method":"toString"}')).toMatchObject({ id: 4, error: { code: -32601 } });
    expect(await answer('{"jsonrpc":"2.0","id":5,"method":"echo","params":["hi"]}')).toMatchObject({ id: 5, error: { code: -32602, data: { code: 'DAEMON_BAD_PARAMS' } } });
    expect(await answer('{"jsonrpc":"2.0","id":6,"method":"echo","params":{"text":1,"extra":true}}')).toMatchObject({
      id: 6, error: { code: -32602, data: { code: 'DAEMON_BAD_PARAMS', issues: expect.arrayContaining([expect.objectContaining({ path: 'text' })]) } },
    });
  });

  it('passes a typed core error on as invalid params with its code', async () => {
    expect(await answer('{"jsonrpc":"2.0","id":7,"method":"refuse"}')).toEqual({ jsonrpc: '2.0', id: 7, error: { code: -32602, message: 'Not like that.', data: { code: 'CLI_USAGE' } } });
  });

  it('hides an unexpected failure behind an internal error and traces it by class only', async () => {
    const faults: string[] = [];
    const r = await answer('{"jsonrpc":"2.0","id":8,"method":"broken"}', { seen: [] }, faults);
    expect(r).toEqual({ jsonrpc: '2.0', id: 8, error: { code: -32603, message: 'Something went wrong inside Parley.', data: { code: 'DAEMON_INTERNAL' } } });
    expect(JSON.stringify(r)).not.toContain('secret');
    expect(faults).toEqual(['broken:TypeError']);
  });

  it('answers a batch with one array and refuses an empty or oversized one', async () => {
    const batch = await answer('[{"jsonrpc":"2.0","id":1,"method":"echo","params":{"text":"a"}},{"jsonrpc":"2.0","method":"echo","params":{"text":"b"}},{"jsonrpc":"2.0","id":2,"method":"nope"}]');
    expect(batch).toEqual([{ jsonrpc: '2.0', id: 1, result: { text: 'a' } }, { jsonrpc: '2.0', id: 2, error: expect.objectContaining({ code: -32601 }) }]);
    expect(await answer('[]')).toMatchObject({ id: null, error: { code: -32600 } });
    const big = JSON.stringify(Array.from({ length: DAEMON_MAX_BATCH + 1 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'echo', params: { text: 'x' } })));
    expect(await answer(big)).toMatchObject({ id: null, error: { code: -32600 } });
  });

  it('writes notifications without an id', () => {
    expect(JSON.parse(notificationLine('receive', { type: 'text' }))).toEqual({ jsonrpc: '2.0', method: 'receive', params: { type: 'text' } });
  });
});

describe('parley daemon arguments', () => {
  it('takes an optional socket path and nothing else', () => {
    const base = ['--data', '/tmp/p'];
    expect(parseArgs([...base, 'daemon']).command).toEqual({ name: 'daemon', socket: null });
    expect(parseArgs([...base, 'daemon', '--socket', '/tmp/p.sock']).command).toEqual({ name: 'daemon', socket: '/tmp/p.sock' });
    expect(() => parseArgs([...base, 'daemon', '--socket'])).toThrow(CliError);
    expect(() => parseArgs([...base, 'daemon', 'extra'])).toThrow(CliError);
  });
});
