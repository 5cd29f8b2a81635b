/**
 * How a sender-key message reaches the member devices. `GroupDelivery` is
 * the seam, with two implementations:
 * - `MultiUpload` (the default): the `groupMessage` content goes in ONE
 *   multi-recipient upload (kind 4, sealed in the group's seal epoch) to
 *   every member device; each device the relay did not queue (refused after
 *   a refresh, newly listed) and every device of an upload that failed
 *   (offline, timeout, a relay that withholds its answer) gets it through
 *   `PairwiseFanout` instead, with its outbox and retries: nothing is lost.
 * - `PairwiseFanout`: the one ciphertext inside a `groupMessage` content
 *   over each pairwise session (resend log and repair of 1:1).
 */
import { STORE_MAX_PENDING_LIST } from '../../shared/constants';
import { encodeContent, parseContent, type Content } from '../../shared/wire/content';
import { toBase64Url } from '../../shared/wire/encoding';
import { addressKey, type ProtocolAddress } from '../protocol';
import type { GroupUpload, NewMessage } from '../store';
import type { ChatContext } from '../conversations/context';
import { errorCode, flushOutbox, refreshDevices, sendContent } from '../conversations/outgoing';
import { EnvelopeKind } from '../session/sealedCore';

/** One group message to deliver. */
export interface GroupParcel {
  readonly groupId: string;
  readonly recipients: readonly ProtocolAddress[];
  /** The sender-key message, encrypted once. */
  readonly message: Uint8Array;
  readonly sentAt: number;
  /** The message row to commit with it (a text), if any. */
  readonly row?: NewMessage | undefined;
  /** The stored message it sends again (a retry), if any: its state follows this delivery. */
  readonly messageId?: string | undefined;
  readonly inSameTransaction?: (() => void) | undefined;
}

/** Delivers one sender-key message to every member device; resolves after the commit (not the upload). */
export interface GroupDelivery {
  deliver(p: GroupParcel): Promise<void>;
  /** Sends again what a crash left between the commit and the upload (nothing for the pairwise fan-out, whose outbox does it). */
  resume(): Promise<void>;
}

/** Fan-out over the pairwise sessions (see the file comment). */
export class PairwiseFanout implements GroupDelivery {
  constructor(private readonly ctx: ChatContext) {}

  deliver(p: GroupParcel): Promise<void> {
    return sendContent(this.ctx, p.recipients, groupMessage(p), p.row, undefined, p.row?.id ?? p.messageId, p.inSameTransaction);
  }

  resume(): Promise<void> {
    return Promise.resolve();
  }
}

const groupMessage = (p: GroupParcel): Content => ({ v: 1, type: 'groupMessage', group: p.groupId, message: toBase64Url(p.message), sentAt: p.sentAt });

/**
 * One upload to every member device (see the file comment). The row, the
 * sender chain's step and the upload itself (group_uploads) commit FIRST,
 * in one transaction, so a crash after the upload can never reuse a chain
 * step, and a crash before the relay took it leaves the upload recorded:
 * `resume` (on each connection) sends the same bytes again, and receivers
 * drop the copy they already opened. Devices the upload did not reach then
 * get it through the pairwise outbox, in the transaction that clears the
 * upload; the row is `sent` when every device was reached.
 */
export class MultiUpload implements GroupDelivery {
  readonly #pairwise: PairwiseFanout;

  constructor(private readonly ctx: ChatContext) {
    this.#pairwise = new PairwiseFanout(ctx);
  }

  async deliver(p: GroupParcel): Promise<void> {
    const { ctx } = this;
    const self = addressKey({ accountId: ctx.keys.accountId, deviceId: ctx.keys.deviceId });
    // A device that older content still waits for (no session yet) gets this behind it, pairwise: the upload would overtake it.
    const waiting = waitingDevices(ctx);
    const behind = p.recipients.filter((r) => waiting.has(addressKey(r)));
    const targets = p.recipients.filter((r) => addressKey(r) !== self && !waiting.has(addressKey(r)));
    // Offline (or alone), the pairwise outbox takes it at once (an upload would first wait for the connection).
    if (targets.length === 0 || !ctx.link.client) return this.#pairwise.deliver(p);
    const payload = encodeContent(groupMessage(p));
    const messageId = p.row?.id ?? p.messageId ?? null;
    let id = 0;
    await this.#pairwise.deliver({
      ...p, recipients: behind,
      inSameTransaction: () => {
        p.inSameTransaction?.();
        id = ctx.store.groups.queueUpload(p.groupId, messageId, targets.map(addressKey), payload, ctx.now());
      },
    });
    await this.#upload({ id, groupId: p.groupId, messageId, recipients: targets.map(addressKey), payload });
  }

  /** Sends again every upload a crash or a closed profile left before the relay took it (the same bytes). */
  async resume(): Promise<void> {
    for (const u of this.ctx.store.groups.uploads(STORE_MAX_PENDING_LIST)) {
      if (!this.ctx.link.client) return;
      await this.#upload(u);
    }
  }

  async #upload(u: GroupUpload): Promise<void> {
    const { ctx } = this;
    const targets = u.recipients.map(parseAddress);
    let rest: readonly ProtocolAddress[] = targets;
    try {
      // What is queued before it (the sender-key distribution above all) reaches the relay first, so members can read it on arrival.
      await flushOutbox(ctx);
      const r = await ctx.sessions.deliverMulti({ recipients: targets, kind: EnvelopeKind.senderKey, payload: u.payload, scope: u.groupId, refresh: (accountId, client) => refreshDevices(ctx, client, accountId) });
      rest = [...r.failed.map((f) => f.address), ...r.added];
    } catch (e) {
      // The whole upload failed: every device gets it pairwise (outbox, retries), and the audit says why.
      ctx.audit('delivery.failed', { reason: errorCode(e), operation: 'group-upload', count: targets.length });
    }
    if (!ctx.store.db.open) return; // closed meanwhile: the upload stays recorded and goes again on the next start
    if (rest.length > 0) await sendContent(ctx, rest, parseContent(u.payload), undefined, undefined, u.messageId ?? undefined, () => ctx.store.groups.clearUpload(u.id));
    else {
      // One commit: the upload is gone and its message sent (unless a receipt already moved it on while the upload was out).
      ctx.store.db.transaction(() => {
        ctx.store.groups.clearUpload(u.id);
        if (u.messageId && ctx.store.messages.get(u.messageId)?.state === 'queued') ctx.store.messages.setState(u.messageId, 'sent');
      })();
    }
  }
}

/** The devices some logged content still waits for (no session with them yet); empty at once when nothing waits. */
function waitingDevices(ctx: ChatContext): Set<string> {
  return new Set(ctx.store.repairs.hasUnsent() ? ctx.store.repairs.unsentRecipients() : []);
}

const parseAddress = (key: string): ProtocolAddress => {
  const [accountId, deviceId] = key.split('.') as [string, string];
  return { accountId, deviceId };
};
