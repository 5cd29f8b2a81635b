import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deriveRecoveryKeys, generateRecoveryPhrase, phraseToSeed, type RecoveryKeys } from '../../src/main/account/recovery';
import { BackupKeys, BackupScheduler, backupStatus, restoreBackup, runBackup, type BackupOptions, type ScheduledOutcome } from '../../src/main/backup';
import type { LocalStore } from '../../src/main/store';
import { exportState } from '../../src/main/snapshot/snapshot';
import { BACKUP_PAD_BLOCK } from '../../src/shared/constants';
import { startTestRelay, waitFor } from '../support/relayHarness';
import { rawKeyStore } from '../support/storeFixture';
import { CANARY, allMessages, msgId, seedStore, type Seeded } from '../unit/backup/seed';

type Relay = Awaited<ReturnType<typeof startTestRelay>>;
let relay: Relay;
const stores: LocalStore[] = [];
const keysToDispose: RecoveryKeys[] = [];

beforeEach(async () => {
  relay = await startTestRelay();
});
afterEach(async () => {
  for (const s of stores.splice(0)) s.close();
  for (const k of keysToDispose.splice(0)) k.dispose();
  await relay.close();
});

async function phraseKeys(): Promise<RecoveryKeys> {
  const seed = phraseToSeed(generateRecoveryPhrase());
  const keys = await deriveRecoveryKeys(seed);
  seed.dispose();
  keysToDispose.push(keys);
  return keys;
}

async function freshStore(): Promise<LocalStore> {
  const { store } = await rawKeyStore();
  stores.push(store);
  return store;
}

async function seeded(): Promise<{ store: LocalStore; seed: Seeded; keys: RecoveryKeys; backup: (o?: Partial<BackupOptions>) => ReturnType<typeof runBackup> }> {
  const store = await freshStore();
  const seed = seedStore(store, Date.now());
  const keys = await phraseKeys();
  return { store, seed, keys, backup: (o = {}) => runBackup({ httpUrl: relay.httpUrl, keys, store, ...o }) };
}

const backupDir = (): string => path.join(relay.dataDir, 'backups');
const relayFiles = (): string[] => (fs.existsSync(backupDir()) ? fs.readdirSync(backupDir()).filter((f) => !f.endsWith('.part')) : []);
const segmentFile = async (keys: RecoveryKeys, bank: number, n: number): Promise<string> => {
  const k = await BackupKeys.derive(keys);
  try {
    return path.join(backupDir(), k.segmentId(bank, n));
  } finally {
    k.dispose();
  }
};

/** What a restore must reproduce: the state without the account row fields (a fresh store has no account), and every live message. */
function comparable(store: LocalStore): unknown {
  store.messages.expire(Date.now());
  return { state: { ...exportState(store), accountId: null, displayName: null }, messages: allMessages(store) };
}

function expectEmpty(store: LocalStore): void {
  expect(exportState(store)).toMatchObject({ contacts: [], conversations: [], settings: [] });
  expect(allMessages(store)).toEqual([]);
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as { code: string }).code;
  }
  return 'no error';
}

const newMessage = (seed: Seeded, body: string) => ({
  id: msgId(), conversationId: seed.bob, sender: seed.bob, direction: 'in' as const, body, sentAt: Date.now(), receivedAt: Date.now(), state: 'delivered' as const,
});

describe('encrypted incremental backups', () => {
  it('restores contacts, trust, settings, conversations and history from the phrase on a fresh store', async () => {
    const { store, keys, backup } = await seeded();
    expect(await backup()).toMatchObject({ mode: 'full', reason: 'first', generation: 1, messages: 4 });
    expect(backupStatus(store)).toMatchObject({ status: 'ok', code: null });
    expect(backupStatus(store).lastBackupAt).toBeGreaterThan(0);

    const target = await freshStore();
    const progress: string[] = [];
    const result = await restoreBackup(relay.httpUrl, keys, target, (p) => progress.push(`${p.phase}:${p.done}/${p.total}`));
    expect(result).toMatchObject({ messages: 4, segments: 1, generation: 1 });
    expect(result.state.displayName).toBe(CANARY.ownName);
    expect(comparable(target)).toEqual(comparable(store));
    expect(progress).toEqual(['download:1/2', 'download:2/2', 'import:0/4', 'import:4/4']);
  });

  it('uploads one small segment for one new message, and nothing when nothing changed', async () => {
    const { store, seed, keys, backup } = await seeded();
    store.messages.insertMany(Array.from({ length: 2500 }, (_, i) => ({ ...newMessage(seed, `bulk message ${i} with some words in it`), sentAt: Date.now() - 10_000 + i })));
    const first = await backup();
    expect(first).toMatchObject({ mode: 'full', segmentsWritten: 2 });
    const filesBefore = relayFiles().length;

    store.messages.insert(newMessage(seed, 'just one more'));
    const second = await backup();
    expect(second).toMatchObject({ mode: 'incremental', segmentsWritten: 1, messages: 1, tombstones: 0 });
    expect(relayFiles().length).toBe(filesBefore + 1);
    // One padded segment plus the manifest (which carries the whole, small account state).
    expect(second.bytesUploaded).toBeLessThan(4 * BACKUP_PAD_BLOCK);
    expect(second.bytesUploaded * 20).toBeLessThan(first.bytesUploaded);

    expect(store.db.prepare('SELECT count(*) FROM message_change_log').pluck().get()).toBe(0); // a confirmed backup prunes what it covered
    expect(await backup()).toMatchObject({ mode: 'unchanged', bytesUploaded: 0 });
    store.directory.setSetting('relay.prekeysUploaded', '0'); // per-device: bumps the counter, changes nothing backed up
    expect(await backup()).toMatchObject({ mode: 'unchanged', bytesUploaded: 0 });
    store.directory.setSetting('privacy.typingIndicators', '0');
    expect(await backup()).toMatchObject({ mode: 'incremental', segmentsWritten: 0 });

    const target = await freshStore();
    await restoreBackup(relay.httpUrl, keys, target);
    expect(comparable(target)).toEqual(comparable(store));
    expect(target.directory.setting('privacy.typingIndicators')).toBe('0');
  });

  it('carries later edits, deletions for everyone, reactions and local deletions through an incremental backup', async () => {
    const { store, seed, keys, backup } = await seeded();
    await backup();
    store.messages.delete(seed.ids.reply);
    store.messages.edit(seed.ids.edited, 'second edit', Date.now());
    store.db.prepare(`UPDATE messages SET body = '', deleted_at = ? WHERE id = ?`).run(Date.now(), seed.ids.hello);
    store.reactions.remove(seed.ids.hello, seed.bob);
    store.db.prepare(`UPDATE contacts SET trust = 'unverified' WHERE account_id = ?`).run(seed.bob);
    expect(await backup()).toMatchObject({ mode: 'incremental', tombstones: 1, messages: 2 });

    const target = await freshStore();
    await restoreBackup(relay.httpUrl, keys, target);
    expect(target.messages.get(seed.ids.reply)).toBeNull();
    expect(target.messages.get(seed.ids.edited)?.body).toBe('second edit');
    expect(target.messages.get(seed.ids.hello)).toMatchObject({ body: '' });
    expect(target.reactions.forMessage(seed.ids.hello).map((r) => r.sender)).toEqual([seed.accountId]);
    expect(exportState(target).contacts.find((c) => c.accountId === seed.bob)?.trust).toBe('unverified');
    expect(comparable(target)).toEqual(comparable(store));
  });

  it('compacts into a fresh full set after the delta limit and still restores exactly', async () => {
    const { store, seed, keys, backup } = await seeded();
    const limits = { maxDeltaSegments: 2, segmentMaxMessages: 3 };
    expect(await backup({ limits })).toMatchObject({ mode: 'full', segmentsWritten: 2, generation: 1 });
    for (let i = 0; i < 2; i++) {
      store.messages.insert(newMessage(seed, `delta ${i}`));
      expect(await backup({ limits })).toMatchObject({ mode: 'incremental', segmentsWritten: 1, generation: 1 });
    }
    store.messages.delete(seed.ids.hello);
    store.messages.insert(newMessage(seed, 'after compaction'));
    const compacted = await backup({ limits });
    expect(compacted).toMatchObject({ mode: 'full', reason: 'compaction', generation: 2, tombstones: 0 });
    store.messages.insert(newMessage(seed, 'delta on the new generation'));
    expect(await backup({ limits })).toMatchObject({ mode: 'incremental', generation: 2 });

    const target = await freshStore();
    const result = await restoreBackup(relay.httpUrl, keys, target);
    expect(result.generation).toBe(2);
    expect(result.segments).toBe(compacted.segmentsWritten + 1);
    expect(target.messages.get(seed.ids.hello)).toBeNull();
    expect(comparable(target)).toEqual(comparable(store));

    // The next compaction reuses the first generation's slots (the relay cannot delete), and restore stays exact.
    store.messages.insert(newMessage(seed, 'second delta'));
    expect(await backup({ limits })).toMatchObject({ mode: 'incremental', generation: 2 });
    store.messages.insert(newMessage(seed, 'third change'));
    expect(await backup({ limits })).toMatchObject({ mode: 'full', reason: 'compaction', generation: 3 });
    const again = await freshStore();
    await restoreBackup(relay.httpUrl, keys, again);
    expect(comparable(again)).toEqual(comparable(store));
  });

  it('fails cleanly on a flipped byte in the manifest on the relay disk and imports nothing', async () => {
    const { keys, backup } = await seeded();
    await backup();
    const file = path.join(backupDir(), keys.backupId);
    const bytes = fs.readFileSync(file);
    bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
    fs.writeFileSync(file, bytes);
    const target = await freshStore();
    const err = await restoreBackup(relay.httpUrl, keys, target).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'BACKUP_TAMPERED', name: 'BackupError' });
    expect((err as Error).message).toMatch(/manifest does not authenticate/u);
    expectEmpty(target);
  });

  it('fails cleanly on a changed, swapped, missing or truncated segment and imports nothing', async () => {
    const { store, seed, keys, backup } = await seeded();
    await backup();
    for (const body of ['delta one', 'delta two']) {
      store.messages.insert(newMessage(seed, body));
      await backup();
    }
    const [s0, s1, s2] = await Promise.all([0, 1, 2].map((n) => segmentFile(keys, 0, n)));
    const original = new Map([s0!, s1!, s2!].map((f) => [f, fs.readFileSync(f)]));
    const reset = (): void => original.forEach((b, f) => fs.writeFileSync(f, b));
    const target = await freshStore();
    const attempt = async (): Promise<string> => {
      const code = await codeOf(restoreBackup(relay.httpUrl, keys, target));
      expectEmpty(target);
      reset();
      return code;
    };

    const flipped = Buffer.from(original.get(s0!)!);
    flipped[flipped.length - 20]! ^= 0x80;
    fs.writeFileSync(s0!, flipped);
    expect(await attempt()).toBe('BACKUP_TAMPERED');

    expect(original.get(s1!)!.length).toBe(original.get(s2!)!.length);
    fs.writeFileSync(s1!, original.get(s2!)!);
    fs.writeFileSync(s2!, original.get(s1!)!);
    expect(await attempt()).toBe('BACKUP_TAMPERED');

    // A relay that lost (or hides) a segment answers 404 for it.
    const relayStore = relay.context.store as { getBackup: (id: string) => Promise<unknown> };
    const getBackup = relayStore.getBackup.bind(relayStore);
    relayStore.getBackup = async (id) => (id === path.basename(s1!) ? null : getBackup(id));
    const missing = await restoreBackup(relay.httpUrl, keys, target).catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: 'BACKUP_TAMPERED', message: expect.stringMatching(/segment 1 is missing/u) as string });
    expectEmpty(target);
    relayStore.getBackup = getBackup;

    // A file cut short on disk breaks the transfer mid-body: a typed error, still nothing imported.
    fs.writeFileSync(s2!, original.get(s2!)!.subarray(0, 100));
    expect(await attempt()).toBe('BACKUP_NETWORK');

    await restoreBackup(relay.httpUrl, keys, target);
    expect(comparable(target)).toEqual(comparable(store));
  });

  it('notices a relay serving an older manifest and rewrites a full set', async () => {
    const { store, seed, keys, backup } = await seeded();
    await backup();
    const file = path.join(backupDir(), keys.backupId);
    const older = fs.readFileSync(file);
    store.messages.insert(newMessage(seed, 'only in the newer manifest'));
    expect(await backup()).toMatchObject({ mode: 'incremental' });
    expect(fs.statSync(file).size).toBe(older.length); // both pad to the same size, so the relay serves the old one whole
    fs.writeFileSync(file, older);
    store.messages.insert(newMessage(seed, 'after the rollback'));
    expect(await backup()).toMatchObject({ mode: 'full', reason: 'repair', generation: 2 });
    const target = await freshStore();
    await restoreBackup(relay.httpUrl, keys, target);
    expect(comparable(target)).toEqual(comparable(store));
  });

  it('finds no backup for a wrong recovery phrase', async () => {
    const { backup } = await seeded();
    await backup();
    const target = await freshStore();
    const err = await restoreBackup(relay.httpUrl, await phraseKeys(), target).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'BACKUP_NOT_FOUND' });
    expectEmpty(target);
  });

  it('stores none of the message texts or names on the relay', async () => {
    const { store, seed, backup } = await seeded();
    await backup();
    store.messages.insert(newMessage(seed, `late ${CANARY.text} again`));
    store.messages.upsertConversation({ id: seed.zoe, kind: 'direct', peerAccountId: seed.zoe, title: `${CANARY.otherName} renamed`, expireTimerMs: null });
    await backup();
    const files: string[] = [];
    const walk = (d: string): void => fs.readdirSync(d, { withFileTypes: true }).forEach((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : files.push(path.join(d, e.name))));
    walk(relay.dataDir);
    expect(relayFiles().length).toBeGreaterThanOrEqual(3);
    for (const f of files) {
      const bytes = fs.readFileSync(f);
      for (const canary of [...Object.values(CANARY), 'hello', 'Quokka', 'Canary']) {
        expect(bytes.includes(Buffer.from(canary, 'utf8')), `${canary} in ${path.relative(relay.dataDir, f)}`).toBe(false);
        expect(bytes.includes(Buffer.from(canary, 'utf16le')), `${canary} (UTF-16) in ${path.relative(relay.dataDir, f)}`).toBe(false);
      }
    }
  });

  it('changes nothing locally when a run fails, and the next run catches up', async () => {
    const { store, seed, keys, backup } = await seeded();
    await backup();
    const before = store.directory.backupState();
    store.messages.insert(newMessage(seed, 'written while the relay is down'));
    expect(await codeOf(backup({ httpUrl: 'http://127.0.0.1:9' }))).toBe('BACKUP_NETWORK');
    expect(store.directory.backupState()).toEqual(before);

    // The segment upload succeeds but the manifest PUT fails: the cursor stays, and the relay's backup is still the previous one.
    // (The relay looks the manifest up once for the run's GET and once for its PUT; the second lookup fails, so the PUT answers 500.)
    const relayStore = relay.context.store as { getBackup: (id: string) => Promise<unknown> };
    const getBackup = relayStore.getBackup.bind(relayStore);
    let manifestLookups = 0;
    relayStore.getBackup = async (id) => {
      if (id === keys.backupId && ++manifestLookups === 2) throw new Error('disk full');
      return getBackup(id);
    };
    const filesBefore = relayFiles().length;
    expect(await codeOf(backup())).toBe('BACKUP_NETWORK');
    expect(manifestLookups).toBe(2);
    expect(relayFiles().length).toBe(filesBefore + 1);
    expect(store.directory.backupState()).toEqual(before);
    relayStore.getBackup = getBackup;
    const stale = await freshStore();
    expect((await restoreBackup(relay.httpUrl, keys, stale)).messages).toBe(4);

    expect(await backup()).toMatchObject({ mode: 'incremental', messages: 1 });
    const target = await freshStore();
    await restoreBackup(relay.httpUrl, keys, target);
    expect(comparable(target)).toEqual(comparable(store));
  });

  it('refuses to upload a backup that restore would reject, before writing anything', async () => {
    const { store, seed, backup } = await seeded();
    store.db.prepare('UPDATE contacts SET display_name = ? WHERE account_id = ?').run('x'.repeat(70_000), seed.bob);
    expect(await codeOf(backup())).toBe('SNAPSHOT_MALFORMED');
    expect(relayFiles()).toEqual([]);
    expect(store.directory.backupState().cursor).toBeNull();
  });

  it('refuses to overwrite a backup another install wrote, unless it restored that backup or is told to', async () => {
    const { keys, backup } = await seeded();
    await backup();
    const other = await freshStore();
    seedStore(other, Date.now());
    expect(await codeOf(runBackup({ httpUrl: relay.httpUrl, keys, store: other }))).toBe('BACKUP_FOREIGN');
    expect(backupStatus(other).status).toBe('idle');

    const restored = await freshStore();
    await restoreBackup(relay.httpUrl, keys, restored);
    restored.messages.insert({ ...newMessage(seedStore(await freshStore()), 'after restore'), conversationId: exportState(restored).conversations[0]!.id });
    expect(await runBackup({ httpUrl: relay.httpUrl, keys, store: restored })).toMatchObject({ mode: 'full', reason: 'replace', generation: 2 });
    expect(await codeOf(backup({ force: true }))).toBe('BACKUP_FOREIGN');
    expect(await backup({ force: true, replaceForeign: true })).toMatchObject({ mode: 'full', reason: 'replace', generation: 3 });
  });

  it('backs up a burst of changes once after the debounce, and records failures with a code instead of throwing', async () => {
    const { store, seed, keys } = await seeded();
    const outcomes: ScheduledOutcome[] = [];
    let url = relay.httpUrl;
    const scheduler = new BackupScheduler({
      store, keys, httpUrl: () => url, timing: { debounceMs: 150, minIntervalMs: 0, pollMs: 20, maxWaitMs: 5_000 }, onRun: (o) => outcomes.push(o),
    });
    scheduler.start();
    await waitFor(() => outcomes.length === 1, 5_000);
    expect(outcomes[0]).toMatchObject({ ok: true, result: { mode: 'full' } });

    for (let i = 0; i < 5; i++) {
      store.messages.insert(newMessage(seed, `burst ${i}`));
      await new Promise((r) => setTimeout(r, 30));
    }
    await waitFor(() => outcomes.length === 2, 5_000);
    expect(outcomes[1]).toMatchObject({ ok: true, result: { mode: 'incremental', segmentsWritten: 1, messages: 5 } });

    url = 'http://127.0.0.1:9';
    store.messages.insert(newMessage(seed, 'while offline'));
    await waitFor(() => outcomes.length === 3, 5_000);
    expect(outcomes[2]).toEqual({ ok: false, code: 'BACKUP_NETWORK' });
    expect(backupStatus(store)).toMatchObject({ status: 'failed', code: 'BACKUP_NETWORK' });
    // Retries wait the debounce even with no min interval: no hot loop against a dead relay.
    await new Promise((r) => setTimeout(r, 100));
    expect(outcomes).toHaveLength(3);

    url = relay.httpUrl;
    await waitFor(() => outcomes.at(-1)?.ok === true, 5_000);
    expect(outcomes.at(-1)).toMatchObject({ ok: true, result: { mode: 'incremental', messages: 1 } });
    expect(backupStatus(store)).toMatchObject({ status: 'ok', code: null });
    await scheduler.stop();
    expect(scheduler.running).toBe(false);
  });
});
