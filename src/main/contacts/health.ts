/**
 * Session health per contact: for each device the contact's signed list
 * names, how old the session is, how far it has run since the last DH
 * ratchet step, the skipped keys it holds (from the sealed session record,
 * via the engine's recordHealth) and how often decrypting from that device
 * failed or its session was repaired (counted in the audit log). Read-only.
 */
import { recordHealth } from '../protocol';
import type { LocalStore } from '../store';
import { ChatError } from '../account/errors';

/** The health of the session with one of a contact's devices. */
export interface DeviceHealth {
  readonly deviceId: string;
  /** False until a session with this device exists (nothing sent or received yet). */
  readonly hasSession: boolean;
  /** When the current session was set up, and how long ago (null without a session). */
  readonly establishedAt: number | null;
  readonly sessionAgeMs: number | null;
  /** When the last DH ratchet step ran (null without a session). */
  readonly lastDhStepAt: number | null;
  /** Messages sent and received on the current chains since that step (null without a session). */
  readonly messagesSinceDhStep: number | null;
  readonly messagesSent: number;
  readonly messagesReceived: number;
  /** Message keys held for messages that have not arrived yet. */
  readonly skippedKeysHeld: number;
  /** Superseded session states still kept for late messages. */
  readonly archivedStates: number;
  /** True while we started the session and have had no reply yet. */
  readonly awaitingReply: boolean;
  /** Envelopes from this device that authenticated but did not decrypt (audit log). */
  readonly decryptFailures: number;
  /** Sessions with this device repaired after a failure (audit log). */
  readonly repairs: number;
}

/** The health of every listed device of the contact `accountId`; CHAT_UNKNOWN_CONTACT if there is no such contact. */
export function sessionHealth(store: LocalStore, accountId: string, now = Date.now()): DeviceHealth[] {
  const contacts = store.contacts;
  if (!contacts.get(accountId)) throw new ChatError('CHAT_UNKNOWN_CONTACT', 'There is no such contact.');
  return contacts.devices(accountId).map((deviceId) => {
    const h = recordHealth(store.protocol.loadSessionSync({ accountId, deviceId }));
    const counts = store.audit.countsFor(`${accountId}.${deviceId}`);
    return {
      deviceId,
      hasSession: h !== null,
      establishedAt: h?.createdAt ?? null,
      sessionAgeMs: h ? Math.max(0, now - h.createdAt) : null,
      lastDhStepAt: h?.lastDhStepAt ?? null,
      messagesSinceDhStep: h?.messagesSinceDhStep ?? null,
      messagesSent: h?.messagesSent ?? 0,
      messagesReceived: h?.messagesReceived ?? 0,
      skippedKeysHeld: h?.skippedKeysHeld ?? 0,
      archivedStates: h?.archivedStates ?? 0,
      awaitingReply: h?.awaitingReply ?? false,
      decryptFailures: counts['decrypt.failed'],
      repairs: counts['session.repaired'],
    };
  });
}
