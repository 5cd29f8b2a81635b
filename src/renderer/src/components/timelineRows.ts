/** The rows of a chat: its messages and, in a group, its timeline events as system lines, in one ordered list. */
import type { GroupDto, MessageDto } from '../../../shared/contract';
import type { EventTimes } from '../store/groups/state';

/** One row of the message list. */
export type ChatRow =
  | { readonly kind: 'message'; readonly key: string; readonly message: MessageDto }
  | { readonly kind: 'event'; readonly key: string; readonly text: string };

/**
 * Messages in their order; events without a time (held when this window
 * first saw the group) before them, events that arrived since among them at
 * their arrival time (see EventTimes). While older pages are not loaded
 * (`complete` false), events that belong before the loaded messages wait
 * for them.
 */
export function chatRows(messages: readonly MessageDto[], group: GroupDto | null, times: EventTimes, complete: boolean): ChatRow[] {
  const rows: ChatRow[] = [];
  const from = complete ? -Infinity : (messages[0]?.sentAt ?? Infinity);
  const events = (group?.events ?? []).map((e) => ({ key: `event-${e.height}`, text: e.text, at: times[e.height] ?? null }));
  if (complete) for (const e of events) if (e.at === null) rows.push({ kind: 'event', key: e.key, text: e.text });
  const timed = events.filter((e) => e.at !== null && e.at >= from);
  let next = 0;
  for (const m of messages) {
    while (next < timed.length && timed[next]!.at! < m.sentAt) rows.push({ kind: 'event', key: timed[next]!.key, text: timed[next++]!.text });
    rows.push({ kind: 'message', key: m.id, message: m });
  }
  for (; next < timed.length; next++) rows.push({ kind: 'event', key: timed[next]!.key, text: timed[next]!.text });
  return rows;
}
