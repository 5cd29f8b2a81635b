/**
 * Content for a device we learned of late. A contact links a new desktop;
 * until we process their "devices changed" message (or meet the new device
 * some other way), what we send goes only to their older devices. When the
 * new device shows up in their signed list, everything we logged for that
 * account since the device was added (the list's `addedAt`, less
 * LATE_DEVICE_SLACK_MS for clock skew) is logged again for it, unsent, and
 * flushUnsent encrypts it once the device has a bundle (a device still
 * linking has none yet). Receivers keep one copy per message id, so an
 * overlap with the linking history is harmless.
 */
import { LATE_DEVICE_SLACK_MS, STORE_MAX_PENDING_LIST } from '../../shared/constants';
import { parseContent } from '../../shared/wire/content';
import { addressKey } from '../protocol';
import type { ChatContext } from './context';
import { errorCode, flushUnsent } from './outgoing';

/** Content worth forwarding: what builds the conversation a person sees (not receipts, timers or control messages). */
const FORWARDED: ReadonlySet<string> = new Set(['text', 'edit', 'delete', 'reaction', 'sync']);

/** A device new to us in an account's signed list, with the time the list says it was added. */
export interface NewDevice {
  readonly deviceId: string;
  readonly addedAt: number;
}

/** Queues for each new device of `accountId` what we logged for that account since it was added; returns how many. */
export async function forwardToNewDevices(ctx: ChatContext, accountId: string, devices: readonly NewDevice[]): Promise<number> {
  let forwarded = 0;
  for (const d of devices) {
    if (accountId === ctx.keys.accountId && d.deviceId === ctx.keys.deviceId) continue;
    const recipient = addressKey({ accountId, deviceId: d.deviceId });
    const recent = ctx.store.repairs
      .recentForAccount(accountId, d.addedAt - LATE_DEVICE_SLACK_MS, STORE_MAX_PENDING_LIST)
      .filter((e) => e.recipient !== recipient && FORWARDED.has(parseContent(e.content).type));
    if (recent.length === 0) continue;
    ctx.store.db.transaction(() => {
      ctx.store.repairs.logSent(recent.map((e) => ({ recipient, digest: null, content: e.content, messageId: e.messageId })));
    })();
    forwarded += recent.length;
  }
  if (forwarded > 0) await flushUnsent(ctx).catch((e: unknown) => ctx.audit('delivery.failed', { reason: errorCode(e) }));
  return forwarded;
}
