/** The rows of a chat: its messages and, in a group, its timeline events as system lines, in one ordered list. */
import type { GroupDto, MessageDto } from '../../../shared/contract';

/** One row of the message list. */
export type ChatRow =
  | { readonly kind: 'message'; readonly key: string; readonly message: MessageDto }
  | { readonly kind: 'event'; readonly key: string; readonly text: string };

/**
 * When a message reached this device: received (incoming) or sent (ours).
 * An event's `at` is this device's clock too, so a member's message sent
 * just after an admin's change, by a sender whose clock runs a little
 * behind ours, still shows after it.
 */
const localTime = (m: MessageDto): number => m.receivedAt ?? m.sentAt;

/**
 * Messages in their order, each group event before the first message that
 * reached this device at or after the time it adopted the event (`at`; at
 * the same millisecond: the event first). While older pages are not loaded
 * (`complete` false), events that belong before the loaded messages wait
 * for them.
 */
export function chatRows(messages: readonly MessageDto[], group: GroupDto | null, complete: boolean): ChatRow[] {
  const rows: ChatRow[] = [];
  const from = complete ? -Infinity : messages[0] ? localTime(messages[0]) : Infinity;
  const events = (group?.events ?? []).filter((e) => e.at >= from);
  let next = 0;
  const event = () => {
    const e = events[next++]!;
    rows.push({ kind: 'event', key: `event-${e.key}`, text: e.text });
  };
  for (const m of messages) {
    while (next < events.length && events[next]!.at <= localTime(m)) event();
    rows.push({ kind: 'message', key: m.id, message: m });
  }
  while (next < events.length) event();
  return rows;
}
