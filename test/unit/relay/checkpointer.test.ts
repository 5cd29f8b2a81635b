import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { describe, expect, it } from 'vitest';
import { startCheckpointer } from '../../../src/relay/store/checkpointer';
import { tempDir } from '../../support/relayHarness';

const until = async (ok: () => boolean, ms: number): Promise<void> => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('relay WAL checkpointer', () => {
  it('reports a checkpoint that fails to the relay instead of dropping it, and checkpoints again once it can', async () => {
    const file = path.join(tempDir(), 'relay.sqlite');
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)');
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('INSERT INTO t VALUES (2)'); // holds the file's lock: every checkpoint of another connection is busy
    const failures: string[] = [];
    const cp = startCheckpointer(file, 30, (reason) => failures.push(reason));
    try {
      await until(() => failures.length > 0, 10_000);
      expect(failures[0]).toBe('SQLITE_BUSY');
      db.close(); // the lock goes with it
      await new Promise((r) => setTimeout(r, 1_500)); // a checkpoint still waiting on the lock ends
      const seen = failures.length;
      await new Promise((r) => setTimeout(r, 300));
      expect(failures.length).toBe(seen);
    } finally {
      await cp.stop();
    }
  }, 30_000);
});
