/** Display helpers, pure. */
export function formatTime(at: number, now = Date.now()): string {
  const d = new Date(at);
  const sameDay = new Date(now).toDateString() === d.toDateString();
  return sameDay
    ? d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
    : d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
}

/** A day with its year, e.g. “Mar 3, 2025”. */
export const formatDate = (at: number): string => new Date(at).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });

/** A day and a time, e.g. “Mar 3, 2025, 10:42”. */
export const formatDateTime = (at: number): string =>
  new Date(at).toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

/** A byte count for people (B, KB, MB). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** A disappearing-message timer for people ("Off", "5 minutes", …). */
export function formatTimer(seconds: number | null): string {
  if (seconds === null) return 'Off';
  if (seconds < 60) return `${seconds} seconds`;
  if (seconds < 3600) return `${seconds / 60} minutes`;
  if (seconds < 86_400) return `${seconds / 3600} hour${seconds === 3600 ? '' : 's'}`;
  if (seconds < 604_800) return `${seconds / 86_400} day${seconds === 86_400 ? '' : 's'}`;
  return `${seconds / 604_800} week${seconds === 604_800 ? '' : 's'}`;
}

/** What the UI shows for each delivery state (nothing for received messages). */
export const DELIVERY_LABEL = {
  queued: 'Queued',
  sent: 'Sent',
  delivered: 'Delivered',
  read: 'Read',
  failed: 'Not delivered',
  received: '',
} as const;

/** How many sender colours the stylesheet defines (.sender--0 …), each readable on an incoming bubble in light and dark themes. */
export const SENDER_COLOURS = 8;

/** A stable colour index for a group sender: the same account always gets the same colour, on every device. */
export function senderColour(accountId: string): number {
  let h = 0;
  for (let i = 0; i < accountId.length; i++) h = (h * 31 + accountId.charCodeAt(i)) >>> 0;
  return h % SENDER_COLOURS;
}

/** "Delivered to 3 of 4 · Read by 2" for one of our group messages, or null before any member confirmed it. */
export function groupReceiptLabel(r: { delivered: number; read: number; of: number }): string | null {
  if (r.delivered === 0) return null;
  return r.read > 0 ? `Delivered to ${r.delivered} of ${r.of} · Read by ${r.read}` : `Delivered to ${r.delivered} of ${r.of}`;
}
