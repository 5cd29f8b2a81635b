/**
 * How the model test observes a device: what a conversation shows, whether
 * a row is a placeholder for an undecryptable message, a sent message's
 * state, whether a device still has work in flight, and whether any file
 * holds plaintext. Everything that reads the app's state for the model test
 * lives here, so a change of API is adapted in one place.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Messenger } from '../../src/main/messenger/messenger';
import type { DeliveryState, Message } from '../../src/main/store';
import type { RunningRelay } from '../../src/relay/server';
import { STORE_MAX_PAGE_SIZE } from '../../src/shared/constants';

/** Every text sent in a model run carries this, so a scan of the files can find plaintext. */
export const CANARY = 'PARLEY-CANARY';

/** Every row of the conversation with `peerAccountId`, oldest first (tombstones and placeholders included). */
export function conversationRows(m: Messenger, peerAccountId: string): Message[] {
  const rows: Message[] = [];
  let before: { at: number; id: string } | undefined;
  for (;;) {
    const page = m.store.messages.page(peerAccountId, STORE_MAX_PAGE_SIZE, before);
    rows.unshift(...page);
    if (page.length < STORE_MAX_PAGE_SIZE) return rows;
    before = { at: page[0]!.sentAt, id: page[0]!.id };
  }
}

/** Every row of every conversation on the device. */
export function allRows(m: Messenger): Message[] {
  return m.store.messages.listConversations(STORE_MAX_PAGE_SIZE).flatMap((c) => conversationRows(m, c.id));
}

/**
 * A placeholder row: an envelope that authenticated but could not be
 * decrypted (`Message.kind === 'undecryptable'`, added with issue 11).
 */
export function isPlaceholder(row: Message): boolean {
  return (row as { kind?: string }).kind === 'undecryptable';
}

/** Whether the row is shown to the user as a message (not a delete tombstone). */
export function isShown(row: Message): boolean {
  return row.deletedAt === null && !isPlaceholder(row);
}

/** The shown rows of the conversation with `peerAccountId` whose text contains `token`. */
export function shownWithToken(m: Messenger, peerAccountId: string, token: string): Message[] {
  return conversationRows(m, peerAccountId).filter((r) => isShown(r) && r.body.includes(token));
}

/** The delivery state of a message on this device, or null when it has no such row. */
export function deliveryState(m: Messenger, messageId: string): DeliveryState | null {
  return m.store.messages.get(messageId)?.state ?? null;
}

/** Whether `recipient` (account.device) is in its account's list as this device knows it. */
function listedHere(m: Messenger, recipient: string): boolean {
  const [accountId, deviceId] = recipient.split('.') as [string, string];
  if (accountId === m.keys.accountId) return m.store.ownDevices.all().some((d) => d.deviceId === deviceId);
  return m.store.contacts.devices(accountId).includes(deviceId);
}

/**
 * Work the device still has in flight: unsent outbox entries, unconfirmed
 * acks, no connection, and content logged for a listed device it has no
 * session with yet (a forward to a device learned late waits for its bundle
 * and goes on the next upkeep tick: not quiet until then).
 */
export async function deviceBusy(m: Messenger): Promise<string[]> {
  const busy: string[] = [];
  if (!(await m.waitOnline(0))) busy.push('offline');
  const outbox = m.store.delivery.outbox(100).length;
  if (outbox > 0) busy.push(`${outbox} outbox entries`);
  const waiting = m.store.repairs.unsent(100).filter((e) => listedHere(m, e.recipient)).length;
  if (waiting > 0) busy.push(`${waiting} logged for a listed device without a session yet`);
  const acks = m.store.delivery.pendingAcks(100).length;
  if (acks > 0) busy.push(`${acks} pending acks`);
  return busy;
}

/**
 * Waits until the system is quiet: every given device online, drained and
 * flushed with nothing left in its outbox or pending acks, and nothing queued
 * on the relay — twice in a row, a poll apart. Returns null when quiet, or a
 * description of what was still busy at the deadline.
 */
export async function settle(devices: readonly { name: string; messenger: Messenger }[], relay: () => RunningRelay, timeoutMs: number): Promise<string | null> {
  const end = Date.now() + timeoutMs;
  let quietPolls = 0;
  let last = '';
  for (;;) {
    const busy: string[] = [];
    for (const d of devices) {
      await d.messenger.waitOnline(Math.max(0, end - Date.now()));
      await d.messenger.conversations.flush().catch((e: unknown) => busy.push(`${d.name}: flush failed (${(e as { code?: string }).code ?? String(e)})`));
      await d.messenger.conversations.drain();
      for (const b of await deviceBusy(d.messenger)) busy.push(`${d.name}: ${b}`);
    }
    const depth = await relay().context.store.queueDepth();
    if (depth > 0) busy.push(`relay: ${depth} queued`);
    quietPolls = busy.length === 0 ? quietPolls + 1 : 0;
    if (quietPolls >= 2) return null;
    last = busy.join(', ');
    if (Date.now() > end) return last || 'not quiet twice in a row';
    await new Promise((r) => setTimeout(r, 40));
  }
}

/** Files under `dir` whose bytes contain `canary` (UTF-8). */
export function filesContaining(dir: string, canary: string): string[] {
  const needle = Buffer.from(canary, 'utf8');
  const hits: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && fs.readFileSync(p).includes(needle)) hits.push(path.relative(dir, p));
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return hits;
}
