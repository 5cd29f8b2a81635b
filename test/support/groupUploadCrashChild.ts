/**
 * Child process of the group-upload crash test: opens a profile, sends one
 * text to a group and dies at the chosen point of its multi-recipient
 * upload. With CRASH_AT=before the upload never leaves (the child prints
 * "commit <id>" where sendMulti would start and waits to be killed); with
 * CRASH_AT=after the relay takes it but its answer is never recorded (the
 * child prints "uploaded <id>" once the relay answered, before the client
 * goes on). The parent SIGKILLs it there.
 * Env: PROFILE_DIR, RELAY_URL, PASSPHRASE, GROUP, TEXT, CRASH_AT.
 */
import sodium from 'libsodium-wrappers-sumo';
import { Messenger } from '../../src/main/messenger/messenger';
import { RelayClient } from '../../src/main/relayClient/client';

async function main(): Promise<void> {
  await sodium.ready;
  let id = '';
  const sendMulti = RelayClient.prototype.sendMulti;
  RelayClient.prototype.sendMulti = async function crashingSendMulti(this: RelayClient, ...args: Parameters<RelayClient['sendMulti']>) {
    const m = (await m0)!;
    id = m.store.messages.page(process.env['GROUP']!, 1)[0]!.id;
    if (process.env['CRASH_AT'] === 'before') {
      process.stdout.write(`commit ${id}\n`);
      return new Promise<never>(() => undefined);
    }
    await sendMulti.apply(this, args);
    process.stdout.write(`uploaded ${id}\n`);
    return new Promise<never>(() => undefined);
  };
  const m0 = Messenger.open({ dir: process.env['PROFILE_DIR']!, relayUrl: process.env['RELAY_URL']!, passphrase: process.env['PASSPHRASE']! });
  const m = await m0;
  if (!(await m.waitOnline())) throw new Error('offline');
  await m.groups.sendText(process.env['GROUP']!, process.env['TEXT']!);
}

if (process.env['PROFILE_DIR']) {
  main().catch((e: unknown) => {
    process.stderr.write(`${(e as Error).name}: ${(e as { code?: string }).code ?? ''} ${(e as Error).message}\n`);
    process.exit(3);
  });
}
