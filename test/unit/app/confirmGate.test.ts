/**
 * The gate in front of every guarded key operation, over real profiles: a
 * real key file (Argon2id at the named minimums, or a test keychain) and a
 * real audit log in the encrypted store. The scripted confirmer plays the
 * user at the dialog; the passphrase check behind it is the real one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import sodium from 'libsodium-wrappers-sumo';
import { ConfirmGate, type ConfirmQuestion } from '../../../src/main/app/confirmGate';
import { LocalStore } from '../../../src/main/store/store';
import { FAST_PWHASH, tempDir } from '../../support/storeFixture';
import { testKeychain } from '../../support/testKeychain';
import { SAYS_NO, SAYS_YES, ScriptedConfirmer } from '../../support/scriptedConfirmer';
import { TEST_PASSPHRASE } from '../../support/chatHarness';

const ROTATE: ConfirmQuestion = { kind: 'phrase.rotate', title: 'Make a new recovery phrase?', detail: 'A new account key.', confirmLabel: 'Make new phrase' };
const open: LocalStore[] = [];

async function profile(protection: 'passphrase' | 'keychain') {
  await sodium.ready;
  const dir = tempDir('parley-confirm-');
  const store = await LocalStore.create(
    protection === 'passphrase' ? { dir, passphrase: TEST_PASSPHRASE, pwhash: FAST_PWHASH } : { dir, keychain: testKeychain(sodium.randombytes_buf(32)) },
  );
  open.push(store);
  const user = new ScriptedConfirmer();
  const gate = new ConfirmGate(user, dir, (kind, detail) => store.audit.record(kind, detail));
  const audit = () => store.audit.list(10).map((e) => ({ kind: e.kind, detail: e.detail }));
  return { gate, user, audit };
}

afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

describe('the confirmation gate', () => {
  it('passes once the user says yes and types the right passphrase, and records the confirmation', async () => {
    const { gate, user, audit } = await profile('passphrase');
    user.next(SAYS_YES);
    await expect(gate.require(ROTATE)).resolves.toBeUndefined();
    expect(user.asked.at(-1)).toEqual({ ...ROTATE, requirePassphrase: true });
    expect(audit()[0]).toEqual({ kind: 'key_operation.confirmed', detail: { operation: 'phrase.rotate' } });
  });

  it('refuses with APP_NOT_CONFIRMED when the user says no, and records the refusal', async () => {
    const { gate, audit } = await profile('passphrase');
    await expect(gate.require(ROTATE)).rejects.toMatchObject({ code: 'APP_NOT_CONFIRMED' });
    expect(audit()).toEqual([{ kind: 'key_operation.refused', detail: { operation: 'phrase.rotate', reason: 'declined' } }]);
  });

  it('refuses a yes with a wrong or missing passphrase, checked against the key file', async () => {
    const { gate, user, audit } = await profile('passphrase');
    user.next({ confirmed: true, passphrase: `${TEST_PASSPHRASE}!` }).next({ confirmed: true, passphrase: null });
    await expect(gate.require(ROTATE)).rejects.toMatchObject({ code: 'APP_NOT_CONFIRMED', message: 'The passphrase was wrong, so nothing was done.' });
    await expect(gate.require(ROTATE)).rejects.toMatchObject({ code: 'APP_NOT_CONFIRMED' });
    expect(audit().map((e) => e.detail)).toEqual([
      { operation: 'phrase.rotate', reason: 'wrong-passphrase' },
      { operation: 'phrase.rotate', reason: 'wrong-passphrase' },
    ]);
  });

  it('asks a keychain-only profile without a passphrase and accepts the bare yes', async () => {
    const { gate, user } = await profile('keychain');
    user.next({ confirmed: true, passphrase: null });
    await expect(gate.require({ ...ROTATE, kind: 'export' })).resolves.toBeUndefined();
    expect(user.asked[0]?.requirePassphrase).toBe(false);
  });

  it('refuses a second question while one is open, without asking or recording it', async () => {
    const { gate, user, audit } = await profile('passphrase');
    user.next(SAYS_YES);
    const release = user.hold();
    const first = gate.require(ROTATE);
    await expect(gate.require({ ...ROTATE, kind: 'device.revoke' })).rejects.toMatchObject({ code: 'APP_CONFIRM_BUSY' });
    release();
    await first;
    expect(user.asked.map((q) => q.kind)).toEqual(['phrase.rotate']);
    expect(audit().map((e) => e.kind)).toEqual(['key_operation.confirmed']);
    user.next(SAYS_NO);
    await expect(gate.require(ROTATE)).rejects.toMatchObject({ code: 'APP_NOT_CONFIRMED' });
  });
});
