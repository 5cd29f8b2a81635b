/**
 * Content for a device we learned of late. A contact links a new desktop;
 * until we process their "devices changed" message (or meet the new device
 * some other way), what we send goes only to their older devices. When the
 * new device shows up in their signed list, everything we logged for that
 * account since the device was added (the list's `addedAt`, less
 * LATE_DEVICE_SLACK_MS for clock skew) goes to it too, from the resend log.
 * Receivers keep one copy per message id, so an overlap with the linking
 * history is harmless.
 */
import { LATE_DEVICE_SLACK_MS, RELAY_MAX_SEND_RECIPIENTS } from '../../shared/constants';
import { parseContent } from '../../shared/wire/content';
import { addressKey } from '../protocol';
import type { ChatContext } from './context';
import { errorCode, flushOutbox, hintFor } from './outgoing';

/** Content worth forwarding: what builds the conversation a person sees (not receipts, timers or control messages). */
const FORWARDED: ReadonlySet<string> = new Set(['text', 'edit', 'delete', 'reaction', 'sync']);

/** A device new to us in an account's signed list, with the time the list says it was added. */
export interface NewDevice {
  readonly deviceId: string;
  readonly addedAt: number;
}

/** Sends each new device of `accountId` what we logged for that account since it was added. */
export async function forwardToNewDevices(ctx: ChatContext, accountId: string, devices: readonly NewDevice[]): Promise<number> {
  let forwarded = 0;
  for (const d of devices) {
    if (accountId === ctx.keys.accountId && d.deviceId === ctx.keys.deviceId) continue;
    const to = { accountId, deviceId: d.deviceId };
    const recent = ctx.store.repairs
      .recentForAccount(accountId, d.addedAt - LATE_DEVICE_SLACK_MS, RELAY_MAX_SEND_RECIPIENTS * 8)
      .filter((e) => e.recipient !== addressKey(to) && FORWARDED.has(parseContent(e.content).type));
    if (recent.length === 0) continue;
    await ctx.sessions.hold([to], async () => {
      if (!(await ctx.sessions.establish(to))) return;
      ctx.store.db.transaction(() => {
        for (const e of recent) {
          const sealed = ctx.sessions.encryptFor(to, e.content, hintFor(parseContent(e.content)));
          if (!sealed) return;
          ctx.store.delivery.commitSend({ outbox: [{ recipient: sealed.recipient, payload: sealed.payload }], messageId: e.messageId });
          ctx.store.repairs.logSent([{ recipient: sealed.recipient, digest: sealed.digest, content: e.content, messageId: e.messageId }]);
          forwarded++;
        }
      }).immediate();
    });
  }
  if (forwarded > 0) void flushOutbox(ctx).catch((e: unknown) => ctx.audit('delivery.failed', { reason: errorCode(e) }));
  return forwarded;
}
