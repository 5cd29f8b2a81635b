/**
 * How a sender-key message reaches the member devices. `GroupDelivery` is
 * the seam: today's implementation fans the one ciphertext out over the
 * existing pairwise sessions (each device gets it inside a `groupMessage`
 * content, with the resend log and repair of 1:1); the relay's
 * multi-recipient send (one upload, an envelope sealed to each device)
 * plugs in here without touching the group engine.
 */
import { toBase64Url } from '../../shared/wire/encoding';
import type { ProtocolAddress } from '../protocol';
import type { NewMessage } from '../store';
import type { ChatContext } from '../conversations/context';
import { sendContent } from '../conversations/outgoing';

/** One group message to deliver. */
export interface GroupParcel {
  readonly groupId: string;
  readonly recipients: readonly ProtocolAddress[];
  /** The sender-key message, encrypted once. */
  readonly message: Uint8Array;
  readonly sentAt: number;
  /** The message row to commit with it (a text), if any. */
  readonly row?: NewMessage | undefined;
  readonly inSameTransaction?: (() => void) | undefined;
}

/** Delivers one sender-key message to every member device; resolves after the commit (not the upload). */
export interface GroupDelivery {
  deliver(p: GroupParcel): Promise<void>;
}

/** Fan-out over the pairwise sessions (see the file comment). */
export class PairwiseFanout implements GroupDelivery {
  constructor(private readonly ctx: ChatContext) {}

  deliver(p: GroupParcel): Promise<void> {
    return sendContent(this.ctx, p.recipients, { v: 1, type: 'groupMessage', group: p.groupId, message: toBase64Url(p.message), sentAt: p.sentAt }, p.row, undefined, p.row?.id, p.inSameTransaction);
  }
}
