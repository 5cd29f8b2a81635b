/**
 * The daemon's conversation methods refuse params the CLI's flags could
 * never express, before they touch the profile: each answers -32602 with
 * DAEMON_BAD_PARAMS and the path at fault. (What valid params do is
 * asserted end to end in test/integration/daemon.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { answerLine } from '../../../src/cli/daemonRpc';
import { DAEMON_METHODS, type DaemonContext } from '../../../src/cli/daemonMethods';

const ID = 'AAAAAAAAAAAAAAAAAAAAAA';
/** No profile: a refused request never reaches it (one that did would throw a TypeError and answer -32603). */
const noProfile = {} as DaemonContext;

async function refusal(method: string, params: unknown): Promise<{ code: number; data: { code: string; issues: { path: string; message: string }[] } }> {
  const faults: string[] = [];
  const line = await answerLine(JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }), DAEMON_METHODS, noProfile, (m) => faults.push(m));
  expect(faults).toEqual([]);
  return (JSON.parse(line!) as { error: { code: number; data: { code: string; issues: { path: string; message: string }[] } } }).error;
}

describe('daemon conversation methods refuse what the CLI could not say', () => {
  it.each([
    ['send', { name: 'Bob', text: 'hi', file: '/tmp/x' }],
    ['send', { name: 'Bob', text: 'hi', replyTo: '../etc' }],
    ['send', { name: 'Bob', file: '/tmp/x', replyTo: ID }],
    ['edit', { name: 'Bob', id: ID, text: '' }],
    ['delete', { name: 'Bob', id: ID, forEveryone: 'yes' }],
    ['react', { name: 'Bob', id: ID, emoji: '👍', remove: true }],
    ['react', { name: 'Bob', id: ID, remove: false }],
    ['react', { name: 'Bob', id: ID, emoji: 'x'.repeat(17) }],
    ['timer', { name: 'Bob', seconds: 0 }],
    ['timer', { name: 'Bob', seconds: 'never' }],
    ['history', { name: 'Bob', limit: 501 }],
    ['read', { name: '' }],
    ['export', { name: 'Bob', all: true, format: 'json', out: '/tmp/x', yes: true }],
    ['export', { format: 'json', out: '/tmp/x', yes: true }],
    ['export', { name: 'Bob', format: 'pdf', out: '/tmp/x', yes: true }],
  ])('refuses %s %j', async (method, params) => {
    expect(await refusal(method, params)).toMatchObject({ code: -32602, data: { code: 'DAEMON_BAD_PARAMS' } });
  });

  it('asks for "yes": true before an export writes plaintext', async () => {
    for (const yes of [undefined, false, 'true']) {
      const error = await refusal('export', { all: true, format: 'html', out: '/tmp/never-written', ...(yes === undefined ? {} : { yes }) });
      expect(error.data.issues).toEqual([{ path: 'yes', message: 'export writes plaintext files: pass "yes": true to confirm' }]);
    }
  });
});
