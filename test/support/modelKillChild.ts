/**
 * Child process of the model test's kill command: runs one profile on the
 * real Messenger until it is SIGKILLed by the parent. The crash point is the
 * relay ack: the receive path calls `RelayClient.ack` only after the
 * commit, so this child announces "commit" there and never sends the ack;
 * the parent kills it on that line. The committed envelope stays unacked on
 * the relay, exactly as after a crash between commit and ack.
 * Env: PROFILE_DIR, RELAY_URL, KEYCHAIN_KEY (hex). Prints "online", "commit".
 */
import sodium from 'libsodium-wrappers-sumo';
import { Messenger } from '../../src/main/messenger/messenger';
import { RelayClient } from '../../src/main/relayClient/client';
import { testKeychain } from './testKeychain';

async function main(): Promise<void> {
  await sodium.ready;
  RelayClient.prototype.ack = function crashBeforeAck(): Promise<{ deleted: number }> {
    process.stdout.write('commit\n');
    return new Promise(() => undefined);
  };
  const messenger = await Messenger.open({
    dir: process.env['PROFILE_DIR']!,
    relayUrl: process.env['RELAY_URL']!,
    keychain: testKeychain(sodium.from_hex(process.env['KEYCHAIN_KEY']!)),
  });
  if (await messenger.waitOnline()) process.stdout.write('online\n');
}

if (process.env['PROFILE_DIR']) {
  main().catch((e: unknown) => {
    process.stderr.write(`${(e as Error).name}: ${(e as { code?: string }).code ?? ''}\n`);
    process.exit(3);
  });
}
