/**
 * Batching end to end, on real profiles and a relay on loopback: a burst of
 * texts sent in one turn is committed together, each arrives once and all
 * read in the order they were sent; a
 * profile that opens with messages waiting reports its catch-up progress
 * once per receive batch (what the UI shows as "Receiving N of M"), then
 * clears it, and every text is receipted back to the sender. A burst goes
 * up in frames filled by what the relay takes: binary frames of up to
 * RELAY_MAX_SEND_RECIPIENTS envelopes, JSON text frames kept small.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Messenger } from '../../src/main/messenger/messenger';
import { createUser, eventually, reopen, TEST_PASSPHRASE, type TestUser } from '../support/chatHarness';
import { fromBase64Url } from '../../src/shared/wire/encoding';
import { MULTI_KEY_PART_BYTES } from '../../src/shared/wire/multiSend';
import { deviceKeyOf } from '../../src/relay/store/types';
import { startTestRelay } from '../support/relayHarness';
import { startHostileRelay } from '../support/hostileRelay';
import { RECEIPT_BATCH } from '../../src/main/conversations/owedReceipts';
import { MAX_MESSAGE_TEXT_CHARS, RECEIPT_HOLD_MS, RELAY_MAX_SEND_BYTES, RELAY_MAX_SEND_RECIPIENTS, SEND_FRAME_TEXT_BYTES } from '../../src/shared/constants';
import { decodeBinarySend } from '../../src/shared/wire/binarySend';

const BURST = 300;
const WAITING = 700;
/** Four relay windows or more: enough batches for receipts per batch to outnumber receipts per sender. */
const MANY = 2_000;

let relay: Awaited<ReturnType<typeof startTestRelay>>;
const open: Messenger[] = [];

beforeAll(async () => {
  relay = await startTestRelay();
});

afterAll(async () => {
  for (const m of open) await m.close().catch(() => undefined);
  await relay?.close();
});

async function pair(a: string, b: string): Promise<[TestUser, TestUser]> {
  const ann = await createUser(a, relay.url);
  const ben = await createUser(b, relay.url);
  open.push(ann.messenger, ben.messenger);
  await ann.messenger.contacts.add(ben.messenger.account.invite(), b);
  return [ann, ben];
}

describe('sends and catch-up in batches', () => {
  it('delivers a burst of texts sent in one turn exactly once each, and every one shows delivered', async () => {
    const [ann, ben] = await pair('Ann Burst', 'Ben Burst');
    const to = ben.messenger.keys.accountId;
    const sent = await Promise.all(Array.from({ length: BURST }, (_, i) => ann.messenger.conversations.sendText(to, `burst ${i}`)));
    expect(new Set(sent.map((m) => m.id)).size).toBe(BURST);
    await eventually(() => ben.inbox.length >= BURST, 60_000);
    expect(ben.inbox.map((m) => m.text).sort()).toEqual(Array.from({ length: BURST }, (_, i) => `burst ${i}`).sort());
    await eventually(() => sent.every((m) => ann.messenger.store.messages.get(m.id)?.state === 'delivered'), 60_000);
    // Sent within a few milliseconds of each other, they still read in the order they were sent, on both sides.
    const inOrder = Array.from({ length: BURST }, (_, i) => `burst ${i}`);
    expect(ann.messenger.conversations.history(to, BURST).map((m) => m.body)).toEqual(inOrder);
    expect(ben.messenger.conversations.history(ann.messenger.keys.accountId, BURST).map((m) => m.body)).toEqual(inOrder);
  }, 120_000);

  it('reports catch-up progress once per batch, before the batch’s texts, while a closed profile takes what waited, then clears it', async () => {
    const [ann, ben] = await pair('Ann Away', 'Ben Away');
    const to = ben.messenger.keys.accountId;
    await ben.messenger.close();
    const sent = await Promise.all(Array.from({ length: WAITING }, (_, i) => ann.messenger.conversations.sendText(to, `waiting ${i}`)));
    await eventually(() => ann.messenger.store.delivery.outbox(1).length === 0, 60_000);

    const progress: ({ done: number; total: number } | null)[] = [];
    let texts = 0;
    // Texts announced before the progress counted their batch ("Receiving N of M" trailing the list): none.
    let covered = 0;
    let ahead = 0;
    const receiving = (p: { done: number; total: number } | null) => {
      progress.push(p);
      covered = p === null ? Infinity : p.done;
    };
    const again = await Messenger.open({ dir: ben.dir, passphrase: TEST_PASSPHRASE, events: { receiving, incomingText: () => void (++texts > covered && ahead++) } });
    open.push(again);
    await eventually(() => texts >= WAITING && progress.at(-1) === null, 60_000);
    // Ann's profile message waited too.
    expect(progress[0]).toMatchObject({ done: 0, total: expect.any(Number) });
    expect(progress[0]!.total).toBeGreaterThanOrEqual(WAITING);
    const counts = progress.filter((p) => p !== null).map((p) => p.done);
    expect(counts).toEqual([...counts].sort((x, y) => x - y));
    // One update per batch, not one per message: the relay pushes up to its delivery window at once.
    expect(progress.length).toBeLessThan(WAITING / 50);
    expect(ahead).toBe(0);
    await eventually(() => sent.every((m) => ann.messenger.store.messages.get(m.id)?.state === 'delivered'), 60_000);
  }, 120_000);

  it('rolls back only the send that fails in a burst: the others commit on the sessions as stored, and the recipient reads every one of them', async () => {
    const [ann, ben] = await pair('Ann Partial', 'Ben Partial');
    const to = ben.messenger.keys.accountId;
    await ann.messenger.conversations.sendText(to, 'first');
    // One turn: texts around one the content schema refuses (over MAX_MESSAGE_TEXT_CHARS), which throws in the chunk's first
    // pass after the texts before it advanced the session in memory (the held records). That pass rolls back whole and its
    // held records are dropped; the second pass commits the rest one by one on the session as stored.
    const texts = Array.from({ length: 20 }, (_, i) => `partial ${i}`);
    const sends = texts.map((t) => ann.messenger.conversations.sendText(to, t));
    const clash = ann.messenger.conversations.sendText(to, 'x'.repeat(MAX_MESSAGE_TEXT_CHARS + 1));
    const more = ann.messenger.conversations.sendText(to, 'after the clash');
    await expect(clash).rejects.toMatchObject({ name: expect.any(String) });
    expect(ann.messenger.conversations.history(to, 50).some((m) => m.body.startsWith('xxx'))).toBe(false);
    await Promise.all([...sends, more]);
    const expected = ['first', ...texts, 'after the clash'];
    await eventually(() => ben.inbox.length >= expected.length, 60_000);
    expect(ben.messenger.conversations.history(ann.messenger.keys.accountId, 50).map((m) => m.body)).toEqual(expected);
    expect(ben.messenger.store.audit.list(200).filter((a) => a.kind === 'envelope.rejected' || a.kind === 'session.failed')).toEqual([]);
  }, 120_000);

  it('seals a burst to one device under one seal key, a lone send as before, and the recipient reads them all in order after a restart', async () => {
    const [ann, ben] = await pair('Ann Sealed', 'Ben Sealed');
    const to = ben.messenger.keys.accountId;
    const benDevice = ben.messenger.keys.deviceId;
    await ben.messenger.close();
    await ann.messenger.conversations.sendText(to, 'alone');
    await eventually(() => ann.messenger.store.delivery.outbox(1).length === 0, 60_000);
    await Promise.all(Array.from({ length: 40 }, (_, i) => ann.messenger.conversations.sendText(to, `sealed ${i}`)));
    await eventually(() => ann.messenger.store.delivery.outbox(1).length === 0, 60_000);

    // What the relay holds for Ben's device: the lone text (after Ann's profile message) in version 2, the burst in version 4 under one E.
    const queued = await relay.context.store.pending(deviceKeyOf(to, benDevice), 1_000, Date.now());
    const envelopes = queued.map((q) => fromBase64Url(q.envelope)!);

    const burst = envelopes.filter((e) => e[0] === 0x04);
    expect(burst).toHaveLength(40);
    expect(envelopes.filter((e) => e[0] === 0x02).length).toBeGreaterThanOrEqual(1);
    const epoch = (e: Uint8Array) => Buffer.from(e.subarray(1 + MULTI_KEY_PART_BYTES, 1 + MULTI_KEY_PART_BYTES + 32)).toString('hex');
    expect(new Set(burst.map(epoch)).size).toBe(1);

    await reopen(ben);
    open.push(ben.messenger);
    await eventually(() => ben.inbox.length >= 41, 60_000);
    const expected = ['alone', ...Array.from({ length: 40 }, (_, i) => `sealed ${i}`)];
    expect(ben.messenger.conversations.history(ann.messenger.keys.accountId, 50).map((m) => m.body)).toEqual(expected);
    expect(ben.messenger.store.audit.list(100).filter((a) => a.kind === 'envelope.rejected')).toEqual([]);
  }, 120_000);

  /** Closes Ann, lets Ben (closed while Ann sent `count` texts) catch up through `relayUrl`, and returns the envelopes Ben queued for Ann meanwhile. */
  async function catchUpFor(ann: TestUser, ben: TestUser, count: number, relayUrl?: string): Promise<{ envelopes: number; sent: string[]; batches: number; ms: number }> {
    const to = ben.messenger.keys.accountId;
    await ben.messenger.close();
    const sent = await Promise.all(Array.from({ length: count }, (_, i) => ann.messenger.conversations.sendText(to, `caught ${i}`)));
    await eventually(() => ann.messenger.store.delivery.outbox(1).length === 0, 60_000);
    const annDevice = deviceKeyOf(ann.messenger.keys.accountId, ann.messenger.keys.deviceId);
    await ann.messenger.close();
    const before = (await relay.context.store.pending(annDevice, 10_000, Date.now())).length;
    let batches = -1; // the first progress event is the backlog's, before any batch
    const start = performance.now();
    ben.messenger = await Messenger.open({
      dir: ben.dir, passphrase: TEST_PASSPHRASE, relayUrl,
      events: { incomingText: (m) => ben.inbox.push(m), receiving: (p) => void (p && batches++) },
    });
    open.push(ben.messenger);
    await eventually(() => ben.inbox.length >= count, 60_000);
    const ms = performance.now() - start;
    await eventually(() => ben.messenger.store.repairs.owedReceipts(10).size === 0 && ben.messenger.store.delivery.outbox(1).length === 0, 30_000);
    const envelopes = (await relay.context.store.pending(annDevice, 10_000, Date.now())).length - before;
    await reopen(ann);
    open.push(ann.messenger);
    return { envelopes, sent: sent.map((m) => m.id), batches, ms };
  }

  it('takes a catch-up of several relay windows in large batches, answered with receipts per sender, not one round per window', async () => {
    const [ann, ben] = await pair('Ann Held', 'Ben Held');
    const { envelopes, sent, batches, ms } = await catchUpFor(ann, ben, MANY);
    // Batches wait briefly for half the relay's window (batchFill.ts): without that, each 64 KiB push (≈ 30 texts) was a batch.
    expect(batches).toBeLessThanOrEqual(Math.ceil(MANY / 100));
    // One round for the whole catch-up: as few receipts as the ids need. A round per 512-envelope window took about twice as many.
    expect(envelopes).toBeGreaterThanOrEqual(1);
    // A hold also ends RECEIPT_HOLD_MS after it began (a slow machine): each such end may add one partial receipt.
    expect(envelopes).toBeLessThanOrEqual(Math.ceil(MANY / RECEIPT_BATCH) + Math.floor(ms / RECEIPT_HOLD_MS));
    await eventually(() => sent.every((id) => ann.messenger.store.messages.get(id)?.state === 'delivered'), 60_000);
  }, 180_000);

  it('still sends the held receipts when a relay’s backlog count promised more than came', async () => {
    const [ann, ben] = await pair('Ann Overstated', 'Ben Overstated');
    const proxy = await startHostileRelay(relay.url);
    // The backlog frame after sign-in claims a thousand more than wait: after the last batch the receipts are still held.
    proxy.down = (f) => f.includes('"backlog"') ? f.replace(/"queued":(\d+)/, (_, n: string) => `"queued":${Number(n) + 1_000}`) : f;
    try {
      // Held receipts go RECEIPT_HOLD_MS after the last batch, without another batch or connection.
      const { envelopes, sent } = await catchUpFor(ann, ben, WAITING, proxy.url);
      expect(envelopes).toBeGreaterThanOrEqual(1);
      await eventually(() => sent.every((id) => ann.messenger.store.messages.get(id)?.state === 'delivered'), 60_000);
      expect(ben.messenger.store.audit.list(100).filter((a) => a.kind === 'delivery.failed')).toEqual([]);
    } finally {
      await ben.messenger.close();
      await proxy.close();
    }
  }, 180_000);
  /** Up `send` frames through a proxy while Ann sends `count` texts in one turn to a closed Ben (each envelope carries the PQXDH preamble, ≈ 1.5 KB). */
  async function burstFrames(name: string, count: number, jsonOnly: boolean): Promise<{ entries: number[]; envelopeBytes: number[]; textBytes: number[]; binary: boolean[] }> {
    const proxy = await startHostileRelay(relay.url);
    // A relay that never said it takes binary sends (an older one): its options reply without the flag.
    if (jsonOnly) proxy.down = (f) => (f.includes('"binarySends"') ? f.replace('"binarySends":true', '"binarySends":false') : f);
    try {
      const ann = await createUser(`Ann ${name}`, proxy.url);
      const ben = await createUser(`Ben ${name}`, relay.url);
      open.push(ann.messenger, ben.messenger);
      await ann.messenger.contacts.add(ben.messenger.account.invite(), 'Ben');
      await ben.messenger.close();
      const to = ben.messenger.keys.accountId;
      const mark = proxy.connections.map((c) => c.seen.length);
      const sent = await Promise.all(Array.from({ length: count }, (_, i) => ann.messenger.conversations.sendText(to, `framed ${i}`)));
      await eventually(() => ann.messenger.store.delivery.outbox(1).length === 0, 60_000);
      expect(sent.every((m) => ann.messenger.store.messages.get(m.id)?.state === 'sent')).toBe(true);
      const frames = proxy.connections.flatMap((c, i) => c.seen.slice(mark[i] ?? 0)).filter((x) => x.dir === 'up' && x.frame.includes('"type":"send"'));
      const sizes = frames.map((x) => {
        const { messages } = JSON.parse(x.frame) as { messages: { envelope: string }[] };
        return { n: messages.length, bytes: messages.reduce((a, m) => a + Buffer.from(m.envelope, 'base64url').length, 0), text: Buffer.byteLength(x.frame) };
      });
      const binary = frames.map((x) => x.binary !== undefined && !('code' in decodeBinarySend(x.binary)));
      return { entries: sizes.map((f) => f.n), envelopeBytes: sizes.map((f) => f.bytes), textBytes: sizes.map((f) => f.text), binary };
    } finally {
      await proxy.close();
    }
  }

  it('sends a burst in binary frames of up to RELAY_MAX_SEND_RECIPIENTS envelopes, each under the relay’s cap, when the relay takes them', async () => {
    const { entries, envelopeBytes, binary } = await burstFrames('Binary', 300, false);
    expect(binary.every(Boolean)).toBe(true);
    expect(entries.reduce((a, n) => a + n, 0)).toBeGreaterThanOrEqual(300);
    expect(Math.max(...entries)).toBe(RELAY_MAX_SEND_RECIPIENTS);
    expect(Math.max(...envelopeBytes)).toBeLessThanOrEqual(RELAY_MAX_SEND_BYTES);
  }, 120_000);

  it('keeps a JSON send frame near SEND_FRAME_TEXT_BYTES of text for a relay that does not take binary sends', async () => {
    const { entries, textBytes, binary } = await burstFrames('Json', 300, true);
    expect(binary.some(Boolean)).toBe(false);
    expect(entries.reduce((a, n) => a + n, 0)).toBeGreaterThanOrEqual(300);
    // Envelopes with the preamble: fewer than RELAY_MAX_SEND_RECIPIENTS fit in the text budget (its estimate is high, so the frame stays under it).
    expect(Math.max(...entries)).toBeLessThan(RELAY_MAX_SEND_RECIPIENTS);
    expect(Math.max(...textBytes)).toBeLessThanOrEqual(SEND_FRAME_TEXT_BYTES);
  }, 120_000);
});
