/**
 * Recovery from the 24-word phrase on a fresh install, through a real relay
 * on loopback: the account key comes back (same invite, same safety number
 * for contacts), contacts and history come back from the encrypted backup,
 * contacts reach the restored device, and bad phrases or a tampered backup
 * fail cleanly without leaving a profile behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { Messenger } from '../../src/main/messenger/messenger';
import type { IncomingText } from '../../src/main/conversations/context';
import { startTestRelay } from '../support/relayHarness';
import { createUser, eventually, profileDir, TEST_PASSPHRASE, TEST_PWHASH, type TestUser } from '../support/chatHarness';

let relay: Awaited<ReturnType<typeof startTestRelay>>;
let ann: TestUser;
let ben: TestUser;
let restored: Messenger | null = null;
const restoredInbox: IncomingText[] = [];

const restore = (phrase: string, dir = profileDir()) =>
  Messenger.restore({ dir, phrase, relayUrl: relay.url, passphrase: TEST_PASSPHRASE, pwhash: TEST_PWHASH, events: { incomingText: (m) => restoredInbox.push(m) } });

const codeOf = async (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'ok',
    (e: { code?: string }) => e.code ?? 'untyped',
  );

beforeAll(async () => {
  relay = await startTestRelay();
  ann = await createUser('Ayesha Lindgren', relay.url);
  ben = await createUser('Bogdan Achterberg', relay.url);
  await ann.messenger.contacts.add(ben.messenger.account.invite(), 'Bogdan');
  await eventually(() => ben.messenger.contacts.list().find((c) => c.name === 'Ayesha Lindgren'));
  await ann.messenger.conversations.sendText(ben.messenger.keys.accountId, 'Written before the laptop was lost');
  await eventually(() => ben.inbox.find((m) => m.text === 'Written before the laptop was lost'));
  await ben.messenger.conversations.sendText(ann.messenger.keys.accountId, 'An answer worth keeping');
  await eventually(() => ann.inbox.find((m) => m.text === 'An answer worth keeping'));
  ann.messenger.contacts.setVerified(ben.messenger.keys.accountId, true);
});

afterAll(async () => {
  await ann?.messenger.close().catch(() => undefined);
  await ben?.messenger.close();
  await restored?.close();
  await relay?.close();
});

describe('recovery from the recovery phrase', () => {
  it('rejects an unknown word, a failed checksum and a wrong word count before deriving anything', async () => {
    const words = ann.phrase.split(' ');
    const unknown = [...words.slice(0, 23), 'notaword'].join(' ');
    const swapped = [...words.slice(0, 23), wordlist.find((w) => w !== words[23])!].join(' ');
    expect(await codeOf(restore(unknown))).toBe('PHRASE_UNKNOWN_WORD');
    // A different last word almost always breaks the 8-bit checksum; find one that does.
    let checksumCode = '';
    for (const w of wordlist) {
      if (w === words[23]) continue;
      checksumCode = await codeOf(restore([...words.slice(0, 23), w].join(' ')));
      if (checksumCode === 'PHRASE_CHECKSUM') break;
    }
    expect(checksumCode).toBe('PHRASE_CHECKSUM');
    expect(swapped.split(' ')).toHaveLength(24);
    expect(await codeOf(restore(words.slice(0, 12).join(' ')))).toBe('PHRASE_WORD_COUNT');
  });

  it('fails cleanly on a backup the relay tampered with, leaving no profile', async () => {
    await ann.messenger.backup.now();
    const dir = path.join(relay.dataDir, 'backups');
    const files = readdirSync(dir);
    expect(files.length).toBeGreaterThan(0);
    const originals = files.map((f) => [f, readFileSync(path.join(dir, f))] as const);
    for (const [f, bytes] of originals) {
      const bad = Buffer.from(bytes);
      bad[bad.length - 5] = bad[bad.length - 5]! ^ 0x40;
      writeFileSync(path.join(dir, f), bad);
    }
    const target = profileDir();
    expect(await codeOf(restore(ann.phrase, target))).toBe('BACKUP_TAMPERED');
    expect(existsSync(path.join(target, 'parley.keys'))).toBe(false);
    expect(existsSync(path.join(target, 'parley.db'))).toBe(false);
    for (const [f, bytes] of originals) writeFileSync(path.join(dir, f), bytes);
  });

  it('restores the account, contacts, trust and history on a fresh install', async () => {
    const invite = ann.messenger.account.invite();
    const r = await restore(ann.phrase);
    restored = r.messenger;
    expect(r.backupFound).toBe(true);
    expect(restored.keys.accountId).toBe(ann.messenger.keys.accountId);
    expect(await restored.waitOnline()).toBe(true); // the relay key is pinned on the first connection, and the invite carries it
    expect(restored.account.invite()).toBe(invite);
    expect(restored.account.displayName).toBe('Ayesha Lindgren');
    const benId = ben.messenger.keys.accountId;
    expect(restored.contacts.get(benId)).toMatchObject({ name: 'Bogdan', trust: 'verified' });
    expect(restored.conversations.history(benId, 10).map((m) => m.body)).toEqual(['Written before the laptop was lost', 'An answer worth keeping']);
    expect(restored.contacts.safetyNumber(benId).groups).toEqual(ben.messenger.contacts.safetyNumber(restored.keys.accountId).groups);
  });

  it('lets contacts reach the restored device with no safety-number change, and drops the lost one', async () => {
    const annId = ann.messenger.keys.accountId;
    const before = ben.messenger.contacts.safetyNumber(annId).groups.join('');
    expect(await restored!.waitOnline()).toBe(true);
    await eventually(() => ben.messenger.store.db.prepare('SELECT device_id FROM contact_devices WHERE account_id = ?').pluck().all(annId).includes(restored!.keys.deviceId));
    const m = await ben.messenger.conversations.sendText(annId, 'Welcome back');
    await eventually(() => restoredInbox.find((x) => x.id === m.id));
    expect(ben.messenger.contacts.safetyNumber(annId).groups.join('')).toBe(before);
    expect(ben.messenger.contacts.get(annId).pendingAccountId).toBeNull();
    // The old device was not in the new list: it is told, checks the signed proof, and wipes itself.
    await eventually(() => ann.messenger.revoked !== null);
    await ann.messenger.revoked;
    expect(existsSync(path.join(ann.dir, 'parley.keys'))).toBe(false);
  });
});
