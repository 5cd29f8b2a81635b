/**
 * Child process of the SIGKILL test (test/integration/store-crash.test.ts):
 * Bob's device on a real encrypted store, driving the real receive and send
 * paths against a file-backed stand-in relay until all work is done.
 *   inbox.jsonl        envelopes the relay holds for Bob ({id, ct})
 *   relay-acked.log    envelope ids the relay has been acked for
 *   relay-sent.log     what reached the relay ({outboxId, ct}); resends repeat
 * Env: STORE_DIR, STORE_KEY (hex), N_OUT. Prints "ready" once open, "done" at the end.
 */
import fs from 'node:fs';
import path from 'node:path';
import sodium from 'libsodium-wrappers-sumo';
import { IdentityKeyPair } from '../../src/main/protocol/keys';
import { decryptMessage, encryptMessage } from '../../src/main/protocol/session';
import { SecretKey } from '../../src/main/store/secretKey';
import { LocalStore } from '../../src/main/store/store';
import type { ProtocolAddress } from '../../src/main/protocol/address';

export const ALICE: ProtocolAddress = { accountId: 'acct-alice', deviceId: 'dev-alice' };
export const CONVERSATION = 'c-alice';

async function main(): Promise<void> {
  await sodium.ready;
  const dir = process.env['STORE_DIR']!;
  const nOut = Number(process.env['N_OUT']);
  const store = LocalStore.fromKey(path.join(dir, 'parley.db'), new SecretKey(sodium.from_hex(process.env['STORE_KEY']!)));
  const identity = IdentityKeyPair.deserialize(store.protocol.getIdentityKeyPairSync());
  const ackedLog = path.join(dir, 'relay-acked.log');
  const sentLog = path.join(dir, 'relay-sent.log');
  const inbox = fs.readFileSync(path.join(dir, 'inbox.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; ct: string });
  const acked = new Set(fs.existsSync(ackedLog) ? fs.readFileSync(ackedLog, 'utf8').split('\n').filter(Boolean) : []);
  process.stdout.write('ready\n');

  const ack = (ids: string[]): void => {
    if (ids.length === 0) return;
    fs.appendFileSync(ackedLog, ids.map((i) => `${i}\n`).join(''));
    for (const i of ids) acked.add(i);
    store.delivery.clearAcks(ids);
  };
  const transmit = (): void => {
    for (const o of store.delivery.outbox()) {
      fs.appendFileSync(sentLog, `${JSON.stringify({ outboxId: o.id, ct: Buffer.from(o.payload).toString('base64') })}\n`);
      store.delivery.confirmSent([o.id]);
    }
  };
  // Restart: first finish what the last run committed but did not report.
  ack(store.delivery.pendingAcks());
  transmit();

  const sentCount = (): number => store.db.prepare(`SELECT count(*) FROM messages WHERE direction = 'out'`).pluck().get() as number;
  let next = 0;
  for (;;) {
    while (next < inbox.length && acked.has(inbox[next]!.id)) next++;
    const canReceive = next < inbox.length;
    const k = sentCount();
    const canSend = k < nOut;
    if (!canReceive && !canSend) break;
    if (canReceive && (!canSend || Math.random() < 0.5)) {
      const env = inbox[next]!;
      if (store.delivery.isProcessed(env.id)) {
        ack([env.id]);
        continue;
      }
      const r = decryptMessage({ record: store.protocol.loadSessionSync(ALICE), identity, remoteIdentity: null, message: Buffer.from(env.ct, 'base64') });
      const now = Date.now();
      store.delivery.commitReceive({
        envelopeId: env.id, session: { address: ALICE, record: r.record },
        message: { id: `in-${env.id}`, conversationId: CONVERSATION, sender: ALICE.accountId, direction: 'in', body: new TextDecoder().decode(r.plaintext), sentAt: now, receivedAt: now, state: 'delivered' },
      });
      ack([env.id]);
    } else {
      const body = `bob-${k}`;
      const e = encryptMessage(store.protocol.loadSessionSync(ALICE), new TextEncoder().encode(body));
      const now = Date.now();
      store.delivery.commitSend({
        session: { address: ALICE, record: e.record },
        message: { id: `out-${k}`, conversationId: CONVERSATION, sender: 'acct-bob', direction: 'out', body, sentAt: now, receivedAt: now, state: 'queued' },
        outbox: [{ recipient: `${ALICE.accountId}.${ALICE.deviceId}`, payload: e.ciphertext }],
      });
      transmit();
    }
  }
  store.close();
  process.stdout.write('done\n');
}

if (process.env['STORE_DIR']) {
  main().catch((e: unknown) => {
    process.stderr.write(`${(e as Error).name}: ${(e as { code?: string }).code ?? ''}\n`);
    process.exit(3);
  });
}
