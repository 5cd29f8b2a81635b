/**
 * Child process of the catch-up crash test: opens a profile whose messages
 * wait on the relay and catches up until every expected text is committed,
 * acked and receipted, printing "online", "batch N" after each committed
 * batch (N = incoming texts stored so far) and "done". The parent SIGKILLs
 * it at random points. With CRASH_AT_ACK=1 the relay ack never leaves: the
 * child prints "commit" there (after a batch commit) and waits to be killed,
 * exactly as after a crash between the commit and its ack.
 * Env: PROFILE_DIR, RELAY_URL, PASSPHRASE, EXPECT (count of texts), CRASH_AT_ACK.
 */
import sodium from 'libsodium-wrappers-sumo';
import { Messenger } from '../../src/main/messenger/messenger';
import { RelayClient } from '../../src/main/relayClient/client';

async function main(): Promise<void> {
  await sodium.ready;
  if (process.env['CRASH_AT_ACK'] === '1') {
    RelayClient.prototype.ack = function crashBeforeAck(): Promise<{ deleted: number }> {
      process.stdout.write('commit\n');
      return new Promise(() => undefined);
    };
  }
  const expect = Number(process.env['EXPECT']);
  let m: Messenger | null = null;
  const count = (): number => (m ? [...m.store.messages.unreadCounts().values()].reduce((a, b) => a + b, 0) : 0);
  m = await Messenger.open({
    dir: process.env['PROFILE_DIR']!,
    relayUrl: process.env['RELAY_URL']!,
    passphrase: process.env['PASSPHRASE']!,
    events: { messagesChanged: () => void process.stdout.write(`batch ${count()}\n`) },
  });
  if (await m.waitOnline()) process.stdout.write('online\n');
  const open = m;
  const settled = (): boolean => open.store.delivery.outbox(1).length === 0 && open.store.repairs.owedReceipts(1).size === 0 && open.store.delivery.pendingAcks(1).length === 0;
  while (!(count() >= expect && settled())) await new Promise((r) => setTimeout(r, 10));
  await open.close();
  process.stdout.write('done\n');
}

if (process.env['PROFILE_DIR']) {
  main().catch((e: unknown) => {
    process.stderr.write(`${(e as Error).name}: ${(e as { code?: string }).code ?? ''}\n`);
    process.exit(3);
  });
}
