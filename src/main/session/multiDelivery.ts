/**
 * Delivery of one payload to many devices through the multi-recipient send
 * (docs/protocol.md §3.5.1, §4.1.1): sealed once (multiSeal.ts), uploaded in
 * as few sendMulti frames as the relay's limits allow, and every recipient
 * the relay did not queue handled as a 1:1 send would handle it:
 * - UNKNOWN_DEVICE: its account's signed list is refreshed (through the
 *   caller, which records it); a device the list no longer names is
 *   dropped (audited), one it still names is tried again once, and devices
 *   the list names that were not addressed are returned as `added` (a group
 *   must hand them its sender key before they can read);
 * - AMBIGUOUS_DEVICE (more than one account lists the device, which only a
 *   hostile account can cause): its envelope goes as a 1:1 send addressed
 *   with the account the caller meant.
 * Anything still refused after that is returned in `failed` and audited, so
 * the caller keeps it queued: nothing is lost in silence. A lost connection
 * or a timeout throws (typed), as a 1:1 flush does; the relay queues
 * each envelope at least once, so a retried upload may deliver twice and
 * the payload's own layer recognises the repeat.
 */
import { RELAY_MAX_MULTI_RECIPIENTS, RELAY_MAX_MULTI_SEND_BYTES, RELAY_MAX_SEND_BYTES, RELAY_MAX_SEND_RECIPIENTS, RELAY_SEND_WAIT_MS } from '../../shared/constants';
import { publicKeyFromId } from '../../shared/wire/deviceList';
import type { SignedDeviceList } from '../../shared/wire/deviceList';
import { toBase64Url } from '../../shared/wire/encoding';
import { MULTI_ENTRY_BYTES, SEND_MULTI_HEADER_BYTES, spliceEnvelope } from '../../shared/wire/multiSend';
import { addressKey, type ProtocolAddress } from '../protocol';
import type { RelayClient } from '../relayClient/client';
import { RelayClientError } from '../relayClient/errors';
import type { RelayLink } from '../relayClient/relayLink';
import { sealMulti } from './multiSeal';
import { ContentHint, type EnvelopeKind, type SealSender } from './sealedCore';
import type { SealEpochs } from './sealEpochs';
import { SessionLayerError } from './errors';
import type { AuditSink } from './sessionLayer';

/** One payload for many devices. */
export interface MultiDeliveryRequest {
  readonly recipients: readonly ProtocolAddress[];
  readonly kind: EnvelopeKind;
  readonly payload: Uint8Array;
  readonly hint?: ContentHint;
  /**
   * Who the upload is for (a group id): each scope has its own seal epoch
   * (sealEpochs.ts), so its ephemeral key is known only to that scope's
   * devices. Uploads without one share the default scope.
   */
  readonly scope?: string;
  /**
   * Refreshes and records an account's signed list (the caller's usual
   * path, e.g. refreshDevices) and returns its device ids. `fromRelay` is
   * the list the relay sent with the refusal, already verified, when it sent one.
   */
  readonly refresh: (accountId: string, client: RelayClient, fromRelay: SignedDeviceList | null) => Promise<readonly string[]>;
}

/** What became of each recipient. */
export interface MultiDeliveryResult {
  readonly delivered: readonly ProtocolAddress[];
  /** No longer in their account's signed list: not sent (audited). */
  readonly dropped: readonly ProtocolAddress[];
  /** Named by a refreshed list but not addressed: the caller decides whether they get it. */
  readonly added: readonly ProtocolAddress[];
  /** Still refused after a refresh and a retry (audited): the caller keeps them queued. */
  readonly failed: readonly { readonly address: ProtocolAddress; readonly code: string }[];
  /** Bytes of every frame uploaded for this delivery. */
  readonly uploadedBytes: number;
}

/** What deliverMulti needs from the session layer. */
export interface MultiDeliveryDeps {
  readonly link: RelayLink;
  readonly sender: () => SealSender;
  readonly epochs: SealEpochs;
  readonly audit: AuditSink;
}

interface Target {
  readonly address: ProtocolAddress;
  readonly entry: Uint8Array;
}

/** Splits targets into frames within the relay's recipient and byte limits. */
function frames(targets: readonly Target[], sharedBytes: number): Target[][] {
  const per = Math.max(1, Math.min(RELAY_MAX_MULTI_RECIPIENTS, Math.floor((RELAY_MAX_MULTI_SEND_BYTES - SEND_MULTI_HEADER_BYTES - sharedBytes) / MULTI_ENTRY_BYTES)));
  const out: Target[][] = [];
  for (let i = 0; i < targets.length; i += per) out.push(targets.slice(i, i + per));
  return out;
}

/** Delivers `req.payload` to every recipient device (see the file comment). */
export async function deliverMulti(deps: MultiDeliveryDeps, req: MultiDeliveryRequest): Promise<MultiDeliveryResult> {
  const client = await deps.link.online(RELAY_SEND_WAIT_MS);
  if (!client) throw new SessionLayerError('SESSION_OFFLINE', 'The relay could not be reached.');
  // A device named twice gets one envelope (the relay refuses a frame that repeats a device).
  const recipients = [...new Map(req.recipients.map((a) => [addressKey(a), a])).values()];
  const keys = recipients.map((a) => publicKeyFromId(a.deviceId));
  if (keys.some((k) => k === null)) throw new SessionLayerError('SESSION_UNLISTED_DEVICE', 'A recipient device id is malformed.');
  const sealed = sealMulti(deps.epochs, req.scope ?? '', keys as Uint8Array[], deps.sender(), req.kind, req.payload, req.hint ?? ContentHint.placeholder);
  const addressed = new Set(recipients.map(addressKey));
  const delivered: ProtocolAddress[] = [];
  const dropped: ProtocolAddress[] = [];
  const added = new Map<string, ProtocolAddress>();
  let uploadedBytes = 0;
  let pending: Target[] = recipients.map((address, i) => ({ address, entry: sealed.entries[i]! }));
  let refused: { target: Target; code: string }[] = [];
  for (let attempt = 0; attempt < 2 && pending.length > 0; attempt++) {
    refused = [];
    const ambiguous: Target[] = [];
    const lists = new Map<string, SignedDeviceList>();
    for (const chunk of frames(pending, sealed.shared.length)) {
      const out = await client.sendMulti(sealed.shared, chunk.map((t) => t.entry));
      uploadedBytes += out.bytes;
      if (out.refusedLists > 0) deps.audit('devices.refresh_failed', { reason: 'BAD_DEVICE_LIST', count: out.refusedLists });
      for (const l of out.lists) lists.set(l.accountId, l);
      const failed = new Map(out.failed.map((f) => [f.deviceId, f.code]));
      for (const t of chunk) {
        const code = failed.get(t.address.deviceId);
        if (code === undefined) delivered.push(t.address);
        else if (code === 'AMBIGUOUS_DEVICE') ambiguous.push(t);
        else refused.push({ target: t, code });
      }
    }
    uploadedBytes += await sendAddressed(client, sealed.shared, ambiguous, delivered, refused);
    pending = [];
    for (const accountId of new Set(refused.map((r) => r.target.address.accountId))) {
      const listed = new Set(await req.refresh(accountId, client, lists.get(accountId) ?? null));
      for (const r of refused.filter((x) => x.target.address.accountId === accountId)) {
        if (listed.has(r.target.address.deviceId)) pending.push(r.target);
        else {
          dropped.push(r.target.address);
          deps.audit('delivery.failed', { reason: 'UNLISTED_DEVICE', address: addressKey(r.target.address) });
        }
      }
      for (const deviceId of listed) {
        const a = { accountId, deviceId };
        if (!addressed.has(addressKey(a))) added.set(addressKey(a), a);
      }
    }
  }
  const failed = refused.filter((r) => pending.includes(r.target)).map((r) => ({ address: r.target.address, code: r.code }));
  for (const f of failed) deps.audit('delivery.failed', { reason: f.code, address: addressKey(f.address) });
  return { delivered, dropped, added: [...added.values()], failed, uploadedBytes };
}

/** Sends the envelopes of ambiguous devices as 1:1 sends addressed with their account; a refusal joins `refused`. Returns the bytes sent. */
async function sendAddressed(client: RelayClient, shared: Uint8Array, targets: readonly Target[], delivered: ProtocolAddress[], refused: { target: Target; code: string }[]): Promise<number> {
  let bytes = 0;
  const perFrame = Math.max(1, Math.min(RELAY_MAX_SEND_RECIPIENTS, Math.floor(RELAY_MAX_SEND_BYTES / (shared.length + 48))));
  for (let i = 0; i < targets.length; i += perFrame) {
    const chunk = targets.slice(i, i + perFrame);
    const messages = chunk.map((t) => ({ ...t.address, envelope: toBase64Url(spliceEnvelope(shared, t.entry)) }));
    bytes += messages.reduce((n, m) => n + m.envelope.length + 2 * 43, 0);
    try {
      await client.send(messages);
      delivered.push(...chunk.map((t) => t.address));
    } catch (e) {
      if (!(e instanceof RelayClientError && e.code === 'UNKNOWN_DEVICE')) throw e;
      for (const t of chunk) refused.push({ target: t, code: 'UNKNOWN_DEVICE' });
    }
  }
  return bytes;
}
