/**
 * Child process of the page-cipher crash tests (test/integration/
 * cipherMoveCrash.test.ts).
 *   MODE=move:   opens STORE_PATH with STORE_KEY (hex), which moves a legacy
 *                file to the current page cipher. Prints "start", then "done <ms>".
 *   MODE=rotate: opens the profile in STORE_DIR with PASSPHRASE and rotates
 *                its database key. Prints "start", then "done <ms>".
 */
import sodium from 'libsodium-wrappers-sumo';
import { STORE_PWHASH_MIN_MEMLIMIT, STORE_PWHASH_MIN_OPSLIMIT } from '../../src/shared/constants';
import { SecretKey } from '../../src/main/store/secretKey';
import { LocalStore } from '../../src/main/store/store';

async function main(): Promise<void> {
  await sodium.ready;
  const env = (k: string): string => process.env[k]!;
  if (env('MODE') === 'rotate') {
    // The test's cheap Argon2id: the page rewrite, not the new key's wrap, is what the kills must land in.
    const store = await LocalStore.open({ dir: env('STORE_DIR'), passphrase: env('PASSPHRASE'), pwhash: { opslimit: STORE_PWHASH_MIN_OPSLIMIT, memlimit: STORE_PWHASH_MIN_MEMLIMIT } });
    process.stdout.write('start\n');
    const t = performance.now();
    store.rekey(env('PASSPHRASE'));
    process.stdout.write(`done ${Math.round(performance.now() - t)}\n`);
    store.close();
    return;
  }
  const key = new SecretKey(sodium.from_hex(env('STORE_KEY')));
  process.stdout.write('start\n');
  const t = performance.now();
  const store = LocalStore.fromKey(env('STORE_PATH'), key);
  process.stdout.write(`done ${Math.round(performance.now() - t)}\n`);
  store.close();
}

void main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
