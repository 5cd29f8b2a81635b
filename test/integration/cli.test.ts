/**
 * The `parley` CLI as a user runs it (child processes of bin/parley.mjs),
 * chatting with a user of the app's core through a real relay on loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { startTestRelay } from '../support/relayHarness';
import { createUser, eventually, profileDir, type TestUser } from '../support/chatHarness';
import { repoRoot } from '../support/paths';
import { decodeInvite } from '../../src/shared/wire/invite';
import { toBase64Url } from '../../src/shared/wire/encoding';

const PASS = 'cli passphrase for tests';
let relay: Awaited<ReturnType<typeof startTestRelay>>;
let app: TestUser;
let cliDir: string;

function parley(args: string[], env: Record<string, string> = { PARLEY_PASSPHRASE: PASS }): Promise<{ code: number; out: unknown[]; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/parley.mjs'), '--data', cliDir, '--relay', relay.url, '--json', ...args], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, out: out.trim() ? out.trim().split('\n').map((l) => JSON.parse(l) as unknown) : [], err }));
  });
}

beforeAll(async () => {
  relay = await startTestRelay();
  app = await createUser('Morwenna Appleyard', relay.url);
  cliDir = profileDir();
});

afterAll(async () => {
  await app?.messenger.close();
  await relay?.close();
});

describe('the parley CLI', () => {
  let cliInvite = '';
  let cliAccount = '';

  it('init prints the invite and the 24-word phrase once', async () => {
    const r = await parley(['init', '--name', 'Cecily Botham']);
    expect(r.code).toBe(0);
    const [first] = r.out as { invite: string; phrase: string }[];
    expect(first!.invite).toMatch(/^parley1/);
    expect(first!.phrase.split(' ')).toHaveLength(24);
    cliInvite = first!.invite;
    const again = await parley(['invite']);
    expect(again.out).toEqual([{ invite: cliInvite }]);
  });

  it('shows the relay key it pinned, puts it in the invite, and trusts a key only when told', async () => {
    expect((await parley(['relay'])).out).toEqual([{ relay: relay.url, relayKey: relay.relayKey }]);
    expect(toBase64Url(decodeInvite(cliInvite).relayKey!)).toBe(relay.relayKey);
    const trusted = await parley(['relay', 'trust', relay.relayKey]);
    expect([trusted.code, trusted.out]).toEqual([0, [{ relay: relay.url, relayKey: relay.relayKey, online: true }]]);
  });

  it('chats with an app user both ways, with receipts', async () => {
    const added = await app.messenger.contacts.add(cliInvite, 'Cecily');
    cliAccount = added.accountId;
    const sent = await app.messenger.conversations.sendText(cliAccount, 'Hello from the app');
    const r = await parley(['receive', '--timeout', '2']);
    expect(r.code).toBe(0);
    expect(r.out).toContainEqual(expect.objectContaining({ from: 'Morwenna Appleyard', text: 'Hello from the app', id: sent.id }));
    await eventually(() => app.messenger.store.messages.get(sent.id)?.state === 'delivered');

    const s = await parley(['send', 'Morwenna Appleyard', 'Hello from the terminal']);
    expect(s.code).toBe(0);
    const { id } = s.out[0] as { id: string };
    await eventually(() => app.inbox.find((m) => m.id === id));
    expect(app.inbox.find((m) => m.id === id)!.text).toBe('Hello from the terminal');
  });

  it('lists contacts, history, search, safety number and verification', async () => {
    expect((await parley(['contacts'])).out).toEqual([{ name: 'Morwenna Appleyard', accountId: app.messenger.keys.accountId, trust: 'unverified' }]);
    const h = await parley(['history', 'Morwenna Appleyard', '--limit', '10']);
    expect((h.out as { text: string }[]).map((m) => m.text)).toEqual(['Hello from the app', 'Hello from the terminal']);
    const found = await parley(['search', 'terminal']);
    expect(found.out).toEqual([expect.objectContaining({ text: 'Hello from the terminal', from: 'me' })]);
    const sn = (await parley(['safety-number', 'Morwenna Appleyard'])).out[0] as { safetyNumber: string };
    expect(sn.safetyNumber).toBe(app.messenger.contacts.safetyNumber(cliAccount).groups.join(' '));
    expect((await parley(['verify', 'Morwenna Appleyard'])).out).toEqual([{ name: 'Morwenna Appleyard', trust: 'verified' }]);
  });

  it('prints the audit log newest first, one JSON object per line, and honours --limit', async () => {
    const all = (await parley(['audit'])).out as { id: number; at: number; kind: string; detail: Record<string, unknown> }[];
    expect(all.at(-1)).toMatchObject({ kind: 'identity.created', detail: { origin: 'create' } });
    expect(all.map((e) => e.id)).toEqual([...all.map((e) => e.id)].sort((a, b) => b - a));
    expect(all.every((e) => typeof e.at === 'number' && !JSON.stringify(e).includes('Hello'))).toBe(true);
    const one = await parley(['audit', '--limit', '1']);
    expect(one.code).toBe(0);
    expect(one.out).toEqual([all[0]]);
  });

  it('prints session health for each of a contact’s devices', async () => {
    const r = await parley(['health', 'Morwenna Appleyard']);
    expect(r.code).toBe(0);
    expect(r.out).toEqual([expect.objectContaining({
      name: 'Morwenna Appleyard', deviceId: app.messenger.keys.deviceId, hasSession: true, skippedKeysHeld: 0, decryptFailures: 0, repairs: 0,
    })]);
    const [h] = r.out as { sessionAgeMs: number; messagesSinceDhStep: number; messagesReceived: number }[];
    expect(h!.sessionAgeMs).toBeGreaterThanOrEqual(0);
    expect(h!.messagesReceived).toBeGreaterThanOrEqual(1);
    expect(h!.messagesSinceDhStep).toBeGreaterThanOrEqual(1);
    expect(JSON.parse((await parley(['health', 'Nobody'])).err)).toMatchObject({ error: 'CHAT_UNKNOWN_CONTACT' });
  });

  it('reports errors as one JSON line on stderr with a non-zero status and no stack trace', async () => {
    const unknown = await parley(['send', 'Nobody', 'hi']);
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.err)).toEqual({ error: 'CHAT_UNKNOWN_CONTACT', message: expect.any(String) });
    const usage = await parley(['frobnicate']);
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.err)).toMatchObject({ error: 'CLI_USAGE' });
    const wrong = await parley(['invite'], { PARLEY_PASSPHRASE: 'not the passphrase' });
    expect(wrong.code).toBe(1);
    expect(JSON.parse(wrong.err)).toMatchObject({ error: 'STORE_WRONG_PASSPHRASE' });
    const none = await parley(['invite'], {});
    expect(JSON.parse(none.err)).toMatchObject({ error: 'CLI_NO_PASSPHRASE' });
    for (const e of [unknown.err, usage.err, wrong.err, none.err]) expect(e).not.toMatch(/\n\s+at /);
  });
});
