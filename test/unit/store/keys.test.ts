import fs from 'node:fs';
import path from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { LocalStore } from '../../../src/main/store/store';
import { SecretKey } from '../../../src/main/store/secretKey';
import type { Keychain } from '../../../src/main/store/keychain';
import { StoreError } from '../../../src/main/store/errors';
import { FAST_PWHASH, tempDir } from '../../support/storeFixture';

function fakeOsKeychain(backend: Keychain['backend'] = 'os'): Keychain {
  // A real transformation (XOR with a per-instance pad), standing in for the OS service.
  const pad = new Uint8Array(64).map((_, i) => (i * 37 + 11) & 0xff);
  const xor = (b: Uint8Array) => b.map((x, i) => x ^ pad[i % pad.length]!);
  return { backend, encrypt: xor, decrypt: xor };
}

const snapshot = (dir: string) => Object.fromEntries(fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f)).toString('hex')]));

describe('key hierarchy', () => {
  it('creates the key file and database with mode 0600 and reopens with the passphrase', async () => {
    const dir = tempDir();
    const s = await LocalStore.create({ dir, passphrase: 'correct horse', pwhash: FAST_PWHASH });
    s.directory.setSetting('theme', 'dark');
    s.close();
    for (const f of fs.readdirSync(dir)) expect(fs.statSync(path.join(dir, f)).mode & 0o777).toBe(0o600);
    const t = await LocalStore.open({ dir, passphrase: 'correct horse' });
    expect(t.directory.setting('theme')).toBe('dark');
    t.close();
  });

  it('rejects a wrong passphrase with a typed error and modifies no file', async () => {
    const dir = tempDir();
    (await LocalStore.create({ dir, passphrase: 'right', pwhash: FAST_PWHASH })).close();
    const before = snapshot(dir);
    await expect(LocalStore.open({ dir, passphrase: 'wrong' })).rejects.toMatchObject({ code: 'STORE_WRONG_PASSPHRASE' });
    expect(snapshot(dir)).toEqual(before);
  });

  it('changes the passphrase by re-wrapping the key without rewriting the database', async () => {
    const dir = tempDir();
    const s = await LocalStore.create({ dir, passphrase: 'old', pwhash: FAST_PWHASH });
    s.directory.setSetting('k', 'v');
    s.checkpoint();
    const dbBefore = fs.readFileSync(path.join(dir, 'parley.db'));
    s.changePassphrase('old', 'new');
    expect(() => s.changePassphrase('old-wrong', 'x')).toThrow(StoreError);
    s.close();
    expect(fs.readFileSync(path.join(dir, 'parley.db')).equals(dbBefore)).toBe(true);
    await expect(LocalStore.open({ dir, passphrase: 'old' })).rejects.toMatchObject({ code: 'STORE_WRONG_PASSPHRASE' });
    const t = await LocalStore.open({ dir, passphrase: 'new' });
    expect(t.directory.setting('k')).toBe('v');
    t.close();
  });

  it('re-keys the database so the old key no longer opens it and sealed records still open', async () => {
    const dir = tempDir();
    const s = await LocalStore.create({ dir, passphrase: 'pw', pwhash: FAST_PWHASH });
    s.protocol.setIdentityKeyPairSync(new Uint8Array([1, 2, 3]));
    s.protocol.storeSessionSync({ accountId: 'a', deviceId: 'd' }, new Uint8Array([9, 9]));
    const oldKey = JSON.parse(fs.readFileSync(path.join(dir, 'parley.keys'), 'utf8')) as unknown;
    s.rekey('pw');
    expect(s.protocol.getIdentityKeyPairSync()).toEqual(new Uint8Array([1, 2, 3]));
    s.close();
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'parley.keys'), 'utf8'))).not.toEqual(oldKey);
    const t = await LocalStore.open({ dir, passphrase: 'pw' });
    expect(t.protocol.loadSessionSync({ accountId: 'a', deviceId: 'd' })).toEqual(new Uint8Array([9, 9]));
    t.close();
  });

  it('unlocks through a keychain with a real backend', async () => {
    const dir = tempDir();
    const kc = fakeOsKeychain();
    (await LocalStore.create({ dir, keychain: kc })).close();
    const t = await LocalStore.open({ dir, keychain: kc });
    t.close();
    await expect(LocalStore.open({ dir, passphrase: 'x' })).rejects.toMatchObject({ code: 'STORE_NO_UNLOCK_METHOD' });
  });

  it('refuses the basic_text keychain and asks for a passphrase instead', async () => {
    const dir = tempDir();
    await expect(LocalStore.create({ dir, keychain: fakeOsKeychain('basic_text') })).rejects.toMatchObject({ code: 'STORE_KEYCHAIN_INSECURE' });
  });

  it('refuses a key file that declares Argon2id parameters below the minimums', async () => {
    const dir = tempDir();
    (await LocalStore.create({ dir, passphrase: 'pw', pwhash: FAST_PWHASH })).close();
    const f = path.join(dir, 'parley.keys');
    const j = JSON.parse(fs.readFileSync(f, 'utf8')) as { passphrase: { memlimit: number } };
    j.passphrase.memlimit = 8192;
    fs.writeFileSync(f, JSON.stringify(j));
    await expect(LocalStore.open({ dir, passphrase: 'pw' })).rejects.toMatchObject({ code: 'STORE_BAD_KEYFILE' });
  });

  it('redacts keys when printed and zeroes them on dispose', () => {
    const bytes = new Uint8Array(32).fill(0xaa);
    const k = new SecretKey(bytes);
    expect(JSON.stringify({ k })).not.toContain('170');
    expect(inspect(k)).toBe('SecretKey([redacted])');
    k.dispose();
    expect(bytes.every((b) => b === 0)).toBe(true);
    expect(() => k.bytes).toThrow(StoreError);
  });
});
