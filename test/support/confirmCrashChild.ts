/**
 * Child process of the confirmation crash test (test/integration/confirmCrash.test.ts):
 * opens a profile, sends COUNT texts to TO in one burst and flushes them.
 * With TAKE, no frame leaves before every text is committed (on a slow
 * machine the flush would otherwise overtake the burst's last commits).
 * Once the relay has taken TAKE envelopes or more, the next frame never
 * leaves: the child prints "taken N" (N = envelopes the relay took) and
 * waits to be killed, exactly as after a crash between the relay's answers
 * and the commit that confirms them (confirmations are coalesced, several
 * frames per commit). Without TAKE it flushes everything and prints "done".
 * Env: PROFILE_DIR, RELAY_URL, PASSPHRASE, TO, COUNT, TAKE.
 */
import sodium from 'libsodium-wrappers-sumo';
import { Messenger } from '../../src/main/messenger/messenger';
import { RelayClient } from '../../src/main/relayClient/client';

async function main(): Promise<void> {
  await sodium.ready;
  const take = process.env['TAKE'] ? Number(process.env['TAKE']) : null;
  // Frames wait until every text of the burst is committed: the crash is then between the relay's answers and the confirming commit, whatever the machine's speed.
  let allCommitted = (): void => undefined;
  const committed = new Promise<void>((r) => (allCommitted = r));
  if (take !== null) {
    const send = RelayClient.prototype.send;
    let taken = 0;
    RelayClient.prototype.send = async function sendThenCrash(this: RelayClient, messages) {
      await committed;
      if (taken >= take) {
        process.stdout.write(`taken ${taken}\n`);
        return new Promise(() => undefined);
      }
      const r = await send.call(this, messages);
      taken += messages.length;
      return r;
    };
  }
  const m = await Messenger.open({ dir: process.env['PROFILE_DIR']!, relayUrl: process.env['RELAY_URL']!, passphrase: process.env['PASSPHRASE']! });
  if (!(await m.waitOnline())) throw new Error('offline');
  const count = Number(process.env['COUNT'] ?? 0);
  await Promise.all(Array.from({ length: count }, (_, i) => m.conversations.sendText(process.env['TO']!, `text ${i}`)));
  allCommitted();
  await m.conversations.flush();
  while (m.store.delivery.outbox(1).length > 0) await new Promise((r) => setTimeout(r, 10));
  await m.close();
  process.stdout.write('done\n');
}

if (process.env['PROFILE_DIR']) {
  main().catch((e: unknown) => {
    process.stderr.write(`${(e as Error).name}: ${(e as { code?: string }).code ?? ''}\n`);
    process.exit(3);
  });
}
