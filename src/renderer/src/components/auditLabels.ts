/** Words for the audit log and the session health view; pure. */
import type { AuditEntryDto } from '../../../shared/contract';
import type { AuditKind } from '../../../shared/audit';

/** What each audit event means, in a few words. */
export const AUDIT_LABEL: Record<AuditKind, string> = {
  'identity.created': 'Device identity created',
  'prekeys.replenished': 'One-time prekeys replenished',
  'prekeys.rotated': 'Signed prekey rotated',
  'session.established': 'Session established',
  'session.archived': 'Session archived',
  'session.repaired': 'Session repaired',
  'session.failed': 'Session could not be set up (will retry)',
  'session.repair_refused': 'A resend request was not answered',
  'decrypt.failed': 'A message could not be decrypted',
  'envelope.rejected': 'Unauthenticated message dropped',
  'envelope.deferred': 'A message waits on the relay until the sender can be checked',
  'delivery.failed': 'Sending paused (will retry)',
  'delivery.unsent_dropped': 'Content that waited a day for a device or a device list was dropped',
  'devices.refresh_failed': 'A device list could not be fetched (will retry)',
  'devices.split_view': 'The relay showed this contact’s device list differently to you and to them: verify the safety number',
  'attachment.fetch_failed': 'A received file could not be fetched',
  'phrase.rotation_failed': 'Switching to a new recovery phrase failed',
  'account.secured': 'Account secured: the old account key is retired on the relay',
  'account.secure_failed': 'Securing the account did not finish; it is retried when online',
  'safety_number.conflict': 'Two different key changes arrived for a contact',
  'safety_number.changed': 'A contact’s safety number changed',
  'device.linked': 'Device linked',
  'device.revoked': 'Device revoked',
  'phrase.rotated': 'Recovery phrase rotated',
  'backup.written': 'Backup written',
  'backup.restored': 'Backup restored',
  'store.rekeyed': 'Local database re-keyed',
  'key_operation.confirmed': 'A key operation was confirmed in Parley’s own dialog',
  'key_operation.refused': 'A key operation was refused (not confirmed)',
  'relay.key_pinned': 'Relay identity key pinned',
  'relay.key_refused': 'Relay identity key did not match the pin (not signed in)',
  'export.written': 'Conversations exported as plaintext',
  'group.rejected': 'Group content refused (not a member, bad signature or state version)',
  'group.held': 'Group content kept until the group change that allows it arrives',
  'group.held_dropped': 'Group content dropped: the change that would allow it never arrived',
  'group.key_rotated': 'Group sender key replaced after a member left',
  'group.key_request_refused': 'A request for a group sender key was refused',
  'group.chain_requested': 'Asked a member’s device for group changes this desktop missed',
  'group.chain_request_deferred': 'Group changes are missing; asked this device recently, so not asked again yet',
  'group.chain_request_refused': 'A request for a group’s changes was refused (not a member’s device, or an unknown group)',
  'group.chain_answered': 'Sent a member’s device the group changes it asked for',
  'search.index_failed': 'New messages could not be added to the search index (search adds them first)',
  'store.cipher_moved': 'Local database moved to the faster page cipher',
  'store.cipher_move_deferred': 'Local database kept its older page cipher for now (another Parley process had it open)',
  'store.checkpoint_failed': 'Recent changes could not be moved into the main store file yet (tried again when idle)',
  'crypto.worker_failed': 'The encryption helper thread failed; this desktop did the work itself',
};

/** Ids (43-character keys, addresses) shortened to their first characters; codes and counts as they are. */
const short = (v: string | number | boolean): string =>
  typeof v === 'string' && v.length > 16 ? v.split('.').map((p) => (p.length > 12 ? `${p.slice(0, 8)}…` : p)).join('.') : String(v);

/** An audit detail as `key value` pairs for one line. */
export const auditDetailText = (detail: AuditEntryDto['detail']): string =>
  Object.entries(detail).map(([k, v]) => `${k} ${short(v)}`).join(' · ');

/** A duration as its largest whole unit. */
export function formatAge(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86_400)} days`;
}

/** A device id shortened for display. */
export const shortId = (id: string): string => short(id);
