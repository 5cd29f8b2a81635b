import { describe, expect, it } from 'vitest';
import { CliError, parseArgs } from '../../../src/cli/args';

const base = ['--data', '/tmp/p', '--relay', 'ws://127.0.0.1:8787'];

describe('CLI arguments', () => {
  it('parses every command with its flags', () => {
    expect(parseArgs([...base, '--json', 'init', '--name', 'Ann']).command).toEqual({ name: 'init', displayName: 'Ann' });
    expect(parseArgs([...base, 'contact', 'add', 'parley1abc', '--name', 'Bob']).command).toEqual({ name: 'contact-add', code: 'parley1abc', contactName: 'Bob' });
    expect(parseArgs([...base, 'send', 'Bob', 'hi there']).command).toEqual({ name: 'send', contactName: 'Bob', text: 'hi there', file: null, replyTo: null });
    expect(parseArgs([...base, 'send', 'Bob', '--file', '/tmp/x.png']).command).toEqual({ name: 'send', contactName: 'Bob', text: null, file: '/tmp/x.png', replyTo: null });
    expect(parseArgs([...base, 'receive', '--timeout', '3', '--follow']).command).toEqual({ name: 'receive', timeoutS: 3, follow: true, attachmentsDir: null });
    const id = 'AbCdEfGhIjKlMnOpQrStUv';
    expect(parseArgs([...base, 'send', 'Bob', 'yes', '--reply-to', id]).command).toEqual({ name: 'send', contactName: 'Bob', text: 'yes', file: null, replyTo: id });
    expect(parseArgs([...base, 'edit', 'Bob', id, 'new text']).command).toEqual({ name: 'edit', contactName: 'Bob', id, text: 'new text' });
    expect(parseArgs([...base, 'delete', 'Bob', id, '--for-everyone']).command).toEqual({ name: 'delete', contactName: 'Bob', id, forEveryone: true });
    expect(parseArgs([...base, 'react', 'Bob', id, '👍']).command).toEqual({ name: 'react', contactName: 'Bob', id, emoji: '👍' });
    expect(parseArgs([...base, 'react', 'Bob', id, '--remove']).command).toEqual({ name: 'react', contactName: 'Bob', id, emoji: null });
    expect(parseArgs([...base, 'read', 'Bob']).command).toEqual({ name: 'read', contactName: 'Bob' });
    expect(parseArgs([...base, 'timer', 'Bob', 'off']).command).toEqual({ name: 'timer', contactName: 'Bob', seconds: null });
    expect(parseArgs([...base, 'timer', 'Bob', '60']).command).toEqual({ name: 'timer', contactName: 'Bob', seconds: 60 });
    expect(parseArgs([...base, 'receive', '--attachments', '/tmp/in']).command).toMatchObject({ name: 'receive', attachmentsDir: '/tmp/in' });
    expect(parseArgs([...base, 'export', '--all', '--format', 'html', '--out', '/tmp/x', '--yes']).command).toEqual({ name: 'export', contactName: null, format: 'html', out: '/tmp/x', yes: true });
    expect(parseArgs([...base, 'export', 'Bob', '--format', 'json', '--out', '/tmp/x']).command).toEqual({ name: 'export', contactName: 'Bob', format: 'json', out: '/tmp/x', yes: false });
    expect(parseArgs([...base, 'history', 'Bob', '--limit', '10']).command).toEqual({ name: 'history', contactName: 'Bob', limit: 10 });
    const device = 'A'.repeat(43);
    expect(parseArgs([...base, 'revoke', device]).command).toEqual({ name: 'revoke', deviceId: device, secure: false });
    expect(parseArgs([...base, 'revoke', device, '--secure']).command).toEqual({ name: 'revoke', deviceId: device, secure: true });
    expect(parseArgs([...base, 'audit']).command).toEqual({ name: 'audit', limit: 50 });
    expect(parseArgs([...base, 'audit', '--limit', '3']).command).toEqual({ name: 'audit', limit: 3 });
    expect(parseArgs([...base, 'health', 'Bob']).command).toEqual({ name: 'health', contactName: 'Bob' });
    expect(parseArgs([...base, 'relay']).command).toEqual({ name: 'relay' });
    expect(parseArgs([...base, 'relay', 'trust', 'A'.repeat(43)]).command).toEqual({ name: 'relay-trust', relayKey: 'A'.repeat(43) });
    const a = parseArgs(['--json', ...base, 'search', 'pizza']);
    expect(a).toMatchObject({ json: true, dataDir: '/tmp/p', relayUrl: 'ws://127.0.0.1:8787', command: { name: 'search', text: 'pizza' } });
  });

  it('parses group new-key GROUP MEMBER, and refuses it without the member', () => {
    expect(parseArgs([...base, 'group', 'new-key', 'Crew', 'Cat']).command).toEqual({ name: 'group-new-key', groupName: 'Crew', memberName: 'Cat' });
    expect(() => parseArgs([...base, 'group', 'new-key', 'Crew'])).toThrow(CliError);
  });

  it('takes --group NAME instead of a contact name for every conversation command', () => {
    const id = 'AAAAAAAAAAAAAAAAAAAAAA';
    expect(parseArgs([...base, 'send', '--group', 'Crew', 'hi all']).command).toMatchObject({ name: 'send', contactName: '', groupName: 'Crew', text: 'hi all' });
    expect(parseArgs([...base, 'edit', '--group', 'Crew', id, 'fixed']).command).toMatchObject({ name: 'edit', contactName: '', groupName: 'Crew', id, text: 'fixed' });
    expect(parseArgs([...base, 'delete', '--group', 'Crew', id, '--for-everyone']).command).toMatchObject({ name: 'delete', groupName: 'Crew', id, forEveryone: true });
    expect(parseArgs([...base, 'react', '--group', 'Crew', id, '--remove']).command).toMatchObject({ name: 'react', groupName: 'Crew', id, emoji: null });
    expect(parseArgs([...base, 'read', '--group', 'Crew']).command).toMatchObject({ name: 'read', contactName: '', groupName: 'Crew' });
    expect(parseArgs([...base, 'timer', '--group', 'Crew', 'off']).command).toMatchObject({ name: 'timer', groupName: 'Crew', seconds: null });
    expect(parseArgs([...base, 'history', '--group', 'Crew', '--limit', '5']).command).toMatchObject({ name: 'history', groupName: 'Crew', limit: 5 });
    expect(() => parseArgs([...base, 'edit', '--group', 'Crew', 'Bob', id, 'x'])).toThrow(CliError);
  });

  it('rejects mistakes with CLI_USAGE and one clear sentence', () => {
    const bad: string[][] = [
      ['init', '--name', 'A'],
      [...base],
      [...base, 'frobnicate'],
      [...base, 'init'],
      [...base, 'send', 'Bob'],
      [...base, 'receive', '--timeout', 'soon'],
      [...base, 'receive', '--timeout', '0'],
      [...base, 'history', 'Bob', '--limit'],
      [...base, 'relay', 'trust'],
      [...base, 'relay', 'trust', 'not-a-key'],
      [...base, 'contacts', 'extra'],
      [...base, 'audit', '--limit', '0'],
      [...base, 'audit', '--limit', '10001'],
      [...base, 'health'],
      [...base, 'edit', 'Bob', 'short', 'text'],
      [...base, 'send', 'Bob', '--file', '/x', '--reply-to', 'AbCdEfGhIjKlMnOpQrStUv'],
      [...base, 'react', 'Bob', 'AbCdEfGhIjKlMnOpQrStUv'],
      [...base, 'timer', 'Bob', '0'],
      [...base, 'timer', 'Bob', String(365 * 86_400 + 1)],
      [...base, 'export', 'Bob', '--format', 'pdf', '--out', '/tmp/x'],
      [...base, 'export', 'Bob', '--format', 'json'],
      ['--data', '/tmp/p', '--relay', 'http://x', 'contacts'],
    ];
    for (const argv of bad) {
      let error: unknown;
      try {
        parseArgs(argv);
      } catch (e) {
        error = e;
      }
      expect(error, argv.join(' ')).toBeInstanceOf(CliError);
      expect((error as CliError).code).toBe('CLI_USAGE');
      expect((error as CliError).message).toMatch(/^[^\n]+\.$/u);
    }
  });
});
