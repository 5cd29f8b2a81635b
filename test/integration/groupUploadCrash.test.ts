/**
 * A crash between a group message's commit and its multi-recipient upload
 * (src/main/groups/delivery.ts, schema v12 group_uploads): a child process
 * (test/support/groupUploadCrashChild.ts) on Ann's profile sends to the
 * group and is SIGKILLed before the upload leaves, or after the relay took
 * it but before the client recorded that. Ann's profile, reopened, sends
 * the same upload again, and the message reaches every member exactly once.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { bundleChild } from '../support/crashChild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Messenger } from '../../src/main/messenger/messenger';
import { eventually, TEST_PASSPHRASE, type TestUser } from '../support/chatHarness';
import { groupTrio } from '../support/groupTrio';
import { startTestRelay } from '../support/relayHarness';
import { repoRoot } from '../support/paths';

let relay: Awaited<ReturnType<typeof startTestRelay>>;
let childJs = '';
let ann: TestUser;
let ben: TestUser;
let cat: TestUser;
let groupId = '';

beforeAll(async () => {
  relay = await startTestRelay();
  childJs = await bundleChild('groupUploadCrashChild');
  ({ ann, ben, cat, groupId } = await groupTrio(relay.url, 'Crash', 'Quay'));
  await ann.messenger.close();
}, 90_000);

afterAll(async () => {
  for (const u of [ann, ben, cat]) await u?.messenger.close().catch(() => undefined);
  await relay?.close();
});

/** Runs the child on Ann's profile and SIGKILLs it at its crash point; resolves with the message id it printed. */
function crashChild(crashAt: 'before' | 'after', text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const env = { PROFILE_DIR: ann.dir, RELAY_URL: relay.url, PASSPHRASE: TEST_PASSPHRASE, GROUP: groupId, TEXT: text, CRASH_AT: crashAt };
    const child = spawn(process.execPath, [childJs], { env: { ...process.env, ...env, NODE_PATH: path.join(repoRoot, 'node_modules') }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (/^(commit|uploaded) /mu.test(out)) child.kill('SIGKILL');
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (_code, signal) => {
      clearTimeout(guard);
      const id = /^(?:commit|uploaded) (\S+)$/mu.exec(out)?.[1];
      if (signal === 'SIGKILL' && id) resolve(id);
      else reject(new Error(`the child did not reach its crash point: ${out} ${err}`));
    });
  });
}

const copies = (u: TestUser, text: string): number => u.messenger.groups.history(groupId, 100).filter((m) => m.body === text).length;

describe('a crash between a group message commit and its upload', () => {
  for (const crashAt of ['before', 'after'] as const) {
    it(`sends the recorded upload again on reopen when killed ${crashAt} the relay took it, and every member gets the message exactly once`, async () => {
      const text = `Crash ${crashAt} the upload`;
      const id = await crashChild(crashAt, text);
      ann.messenger = await Messenger.open({ dir: ann.dir, relayUrl: relay.url, passphrase: TEST_PASSPHRASE });
      await eventually(() => [ben, cat].every((u) => u.messenger.store.messages.get(id)?.body === text), 20_000);
      await eventually(() => ann.messenger.store.groups.uploads(10).length === 0 && ann.messenger.store.messages.get(id)?.state !== 'queued', 20_000);
      // Killed after the relay took it, the upload went twice: the second copy arrives and is dropped (its message key was used).
      if (crashAt === 'after') {
        await eventually(() => [ben, cat].every((u) => u.messenger.store.audit.list(200).some((e) => e.kind === 'group.rejected' && e.detail['reason'] === 'GROUP_DUPLICATE')), 20_000);
      }
      for (const u of [ben, cat]) {
        await u.messenger.conversations.drain();
        expect(copies(u, text)).toBe(1);
        expect(u.messenger.groups.history(groupId, 100).some((m) => m.kind === 'undecryptable')).toBe(false);
      }
      expect(copies(ann, text)).toBe(1);
      await ann.messenger.close();
    }, 90_000);
  }
});
