/** Human-readable lines for `parley audit` and `parley health` (with --json the objects are printed as they are). */
import type { AuditDetail } from '../shared/audit';
import type { DeviceHealth } from '../main/contacts/health';

/** `key=value` pairs of an audit detail, in the order they were recorded. */
export const formatDetail = (detail: AuditDetail): string =>
  Object.entries(detail).map(([k, v]) => `${k}=${String(v)}`).join(' ');

/** A duration as the largest whole unit (s, min, h, d). */
function age(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86_400)} d`;
}

/** One device's session health on one line. */
export function formatHealth(name: string, d: DeviceHealth): string {
  const session = d.hasSession
    ? `session ${age(d.sessionAgeMs ?? 0)} old, ${d.messagesSinceDhStep ?? 0} messages since the last DH step, ${d.skippedKeysHeld} skipped keys held`
    : 'no session yet';
  return `${name} ${d.deviceId}: ${session}; ${d.decryptFailures} decrypt failures, ${d.repairs} repairs`;
}
