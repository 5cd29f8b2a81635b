/**
 * Child process of the owed-refresh crash test (test/integration/owedRefresh.test.ts):
 * opens a profile whose contact's device-list change waits on the relay and
 * catches up. The relay ack never leaves: the child prints "commit" there
 * (after the receive batch committed) and waits to be killed, exactly as
 * after a crash between the receive commit and the work after it (the ack,
 * then the list refresh). The contact's list (HOLD_LIST) is never fetched
 * in this process either, so no refresh can slip in before the kill.
 * Env: PROFILE_DIR, RELAY_URL, PASSPHRASE, HOLD_LIST.
 */
import sodium from 'libsodium-wrappers-sumo';
import { Messenger } from '../../src/main/messenger/messenger';
import { RelayClient } from '../../src/main/relayClient/client';

async function main(): Promise<void> {
  await sodium.ready;
  RelayClient.prototype.ack = function crashBeforeAck(): Promise<{ deleted: number }> {
    process.stdout.write('commit\n');
    return new Promise(() => undefined);
  };
  const getDeviceList = RelayClient.prototype.getDeviceList;
  RelayClient.prototype.getDeviceList = function holdList(this: RelayClient, accountId: string) {
    return accountId === process.env['HOLD_LIST'] ? new Promise(() => undefined) : getDeviceList.call(this, accountId);
  };
  const m = await Messenger.open({ dir: process.env['PROFILE_DIR']!, relayUrl: process.env['RELAY_URL']!, passphrase: process.env['PASSPHRASE']! });
  if (await m.waitOnline()) process.stdout.write('online\n');
}

if (process.env['PROFILE_DIR']) {
  main().catch((e: unknown) => {
    process.stderr.write(`${(e as Error).name}: ${(e as { code?: string }).code ?? ''}\n`);
    process.exit(3);
  });
}
