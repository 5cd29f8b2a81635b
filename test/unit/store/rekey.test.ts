import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalStore } from '../../../src/main/store/store';
import { FAST_PWHASH, tempDir } from '../../support/storeFixture';

const addr = { accountId: 'acct-r', deviceId: 'dev-r' };

describe('re-key interrupted by a crash', () => {
  for (const [point, rotated] of [['next-file', false], ['reseal', true], ['pages', true]] as const) {
    it(`recovers on open after a crash following the ${point} step${rotated ? ' by finishing the rotation' : ' by abandoning it'}`, async () => {
      const dir = tempDir();
      const s = await LocalStore.create({ dir, passphrase: 'pw', pwhash: FAST_PWHASH });
      s.protocol.setIdentityKeyPairSync(new Uint8Array([5, 6]));
      s.protocol.storeSessionSync(addr, new Uint8Array([7, 8, 9]));
      const keysBefore = fs.readFileSync(path.join(dir, 'parley.keys'), 'utf8');
      s.rekey('pw', point);
      s.db.close(); // the process dies: no checkpoint, no key-file rename
      expect(fs.existsSync(path.join(dir, 'parley.keys.next'))).toBe(true);
      const t = await LocalStore.open({ dir, passphrase: 'pw', pwhash: FAST_PWHASH });
      expect(t.protocol.loadSessionSync(addr)).toEqual(new Uint8Array([7, 8, 9]));
      expect(t.protocol.getIdentityKeyPairSync()).toEqual(new Uint8Array([5, 6]));
      t.close();
      expect(fs.existsSync(path.join(dir, 'parley.keys.next'))).toBe(false);
      expect(fs.readFileSync(path.join(dir, 'parley.keys'), 'utf8') !== keysBefore).toBe(rotated);
      const u = await LocalStore.open({ dir, passphrase: 'pw' });
      expect(u.protocol.loadSessionSync(addr)).toEqual(new Uint8Array([7, 8, 9]));
      u.close();
    });
  }
});

describe('re-key in a running store', () => {
  it('checkpoints and closes cleanly after its pages are re-keyed (the table watch\'s temp triggers are no obstacle)', async () => {
    const dir = tempDir();
    const s = await LocalStore.create({ dir, passphrase: 'pw', pwhash: FAST_PWHASH });
    s.protocol.storeSessionSync(addr, new Uint8Array([3, 4]));
    s.rekey('pw', 'pages'); // the pages re-keyed, the key file not renamed yet (a write here would hide the failure)
    expect(() => s.checkpoint()).not.toThrow();
    expect(fs.statSync(path.join(dir, 'parley.db-wal')).size).toBe(0);
    expect(() => s.close()).not.toThrow();
    const t = await LocalStore.open({ dir, passphrase: 'pw' });
    expect(t.protocol.loadSessionSync(addr)).toEqual(new Uint8Array([3, 4]));
    t.close();
  });
});
