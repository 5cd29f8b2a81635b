/**
 * The multi-recipient send (docs/protocol.md §3.5.1): one binary upload,
 * one envelope queued per addressed device mailbox. Recipients are named by
 * device id alone (32 bytes each, so an entry stays 80 bytes); the
 * device → account index (relay migration 5) resolves them all in one read.
 * A device no current list names (UNKNOWN_DEVICE) or more than one list
 * names (AMBIGUOUS_DEVICE, which only a hostile account can cause) is not
 * queued; every other recipient is, and one reply lists the failures with
 * the signed lists of the accounts concerned, so the sender can verify
 * them, drop or re-address, and retry as it does for 1:1 sends. Rate limits
 * count recipients, not uploads. Delivery is at least once, as for 1:1:
 * each envelope is an ordinary queued message.
 */
import { toBase64Url } from '../shared/wire/encoding';
import { DEVICE_KEY_BYTES, spliceEnvelope, type SendMultiFrame, type SendMultiReply } from '../shared/wire/multiSend';

/** What the relay answers (the wire shape is sendMultiReplySchema). */
export interface SendMultiAnswer {
  readonly queued: number;
  readonly failed: readonly SendMultiReply['failed'][number][];
  readonly lists: readonly SignedDeviceList[];
}
import type { SignedDeviceList } from '../shared/wire/deviceList';
import type { RelayContext } from './context';
import { RelayError } from './errors';
import { requireAuth } from './handlers';
import type { Session } from './session';
import { deviceKeyOf, RevokedRecipient, type OutgoingItem } from './store/types';

/** Queues one envelope per resolvable recipient of `f`; resolves with the reply listing the others. */
export async function sendMulti(s: Session, ctx: RelayContext, f: SendMultiFrame): Promise<SendMultiAnswer> {
  const me = requireAuth(s);
  const ids = f.entries.map((e) => toBase64Url(e.subarray(0, DEVICE_KEY_BYTES)));
  if (new Set(ids).size !== ids.length) throw new RelayError('BAD_FRAME', 'a device appears more than once');
  if (!ctx.sendBuckets.take(me.deviceKey, ids.length)) throw new RelayError('RATE_LIMITED', 'sending too fast');
  // The index and the queue commit separately: a list that revokes a device in between makes enqueue refuse
  // the whole batch (RevokedRecipient, nothing queued), and a second read of the index sees the device as revoked.
  let resolved: Resolved;
  for (let attempt = 0; ; attempt++) {
    resolved = await resolve(ctx, f, ids);
    try {
      await enqueue(ctx, resolved.items);
      break;
    } catch (e) {
      if (!(e instanceof RevokedRecipient)) throw e;
      if (attempt > 0) throw new RelayError('UNKNOWN_DEVICE', 'recipient devices are being revoked; try again');
    }
  }
  const { items, failed, concerned } = resolved;
  const lists: SignedDeviceList[] = [];
  for (const accountId of concerned) {
    const list = await ctx.store.getDeviceList(accountId);
    if (list) lists.push(list);
  }
  ctx.log.trace({ recipients: ids.length, queued: items.length, failed: failed.length, bytes: f.shared.length }, 'multi queued');
  return { queued: items.length, failed, lists };
}

interface Resolved {
  readonly items: OutgoingItem[];
  readonly failed: SendMultiReply['failed'][number][];
  /** Accounts whose lists the reply carries. */
  readonly concerned: Set<string>;
}

/** Each entry's mailbox by the device index, or its failure (UNKNOWN_DEVICE / AMBIGUOUS_DEVICE). */
async function resolve(ctx: RelayContext, f: SendMultiFrame, ids: readonly string[]): Promise<Resolved> {
  const index = await ctx.store.accountsOf(ids);
  const out: Resolved = { items: [], failed: [], concerned: new Set() };
  ids.forEach((deviceId, i) => {
    const known = index.get(deviceId);
    const listed = known?.listed ?? [];
    if (listed.length === 1) {
      out.items.push({ deviceKey: deviceKeyOf(listed[0]!, deviceId), envelope: toBase64Url(spliceEnvelope(f.shared, f.entries[i]!)) });
      return;
    }
    const accountIds = listed.length > 1 ? listed : (known?.former ?? []);
    out.failed.push({ deviceId, code: listed.length > 1 ? 'AMBIGUOUS_DEVICE' : 'UNKNOWN_DEVICE', accountIds });
    for (const a of accountIds) out.concerned.add(a);
  });
  return out;
}

async function enqueue(ctx: RelayContext, items: readonly OutgoingItem[]): Promise<void> {
  if (items.length === 0) return;
  const now = Date.now();
  await ctx.store.enqueue(items, now, now + ctx.limits.messageTtlMs);
  ctx.metrics.messagesQueued += items.length;
}
