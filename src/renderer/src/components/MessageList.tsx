import { useEffect, useLayoutEffect, useMemo, useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useStore } from '../store/root';
import { selectFocusMessageId, selectMessagesOf } from '../store/messages/selectors';
import { selectGroup } from '../store/groups/selectors';
import { MessageBubble } from './MessageBubble';
import { chatRows } from './timelineRows';

/** How long a message reached from search stays highlighted. */
const FOCUS_HIGHLIGHT_MS = 4_000;

/**
 * Only the rows on screen (plus overscan) are in the DOM, so 100,000 messages scroll as smoothly as 10.
 * In a group, its timeline events ("Ada added Bob") are rows too, shown as centred system lines.
 */
export function MessageList({ conversationId, title, group }: { conversationId: string; title: string; group: boolean }) {
  const { items: messages, next, loadingOlder } = useStore(selectMessagesOf(conversationId));
  const groupDto = useStore(selectGroup(group ? conversationId : null));
  const items = useMemo(() => chatRows(messages, groupDto, next === null), [messages, next, groupDto]);
  const focusId = useStore(selectFocusMessageId);
  const loadOlder = useStore((s) => s.loadOlderMessages);
  const clearFocus = useStore((s) => s.clearFocus);
  const scrollRef = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const firstId = useRef<string | null>(null);
  const lastId = useRef<string | null>(null);

  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => 64,
    overscan: 8,
    getItemKey: (i) => items[i]!.key,
  });

  // Keep the view anchored: stick to the bottom for new messages, hold position when older ones are prepended.
  useLayoutEffect(() => {
    const first = items[0]?.key ?? null;
    const last = items[items.length - 1]?.key ?? null;
    if (firstId.current && first !== firstId.current) {
      const anchor = items.findIndex((m) => m.key === firstId.current);
      if (anchor > 0) virtualizer.scrollToIndex(anchor, { align: 'start' });
    } else if (last !== lastId.current && atBottom.current && items.length > 0 && !focusId) {
      virtualizer.scrollToIndex(items.length - 1, { align: 'end' });
    }
    firstId.current = first;
    lastId.current = last;
  }, [items, virtualizer, focusId]);

  // Centre a jumped-to message once, highlight it briefly, then follow new messages again.
  const itemsRef = useRef(items);
  itemsRef.current = items;
  useEffect(() => {
    if (!focusId) return;
    const index = itemsRef.current.findIndex((m) => m.key === focusId);
    if (index >= 0) virtualizer.scrollToIndex(index, { align: 'center' });
    const timer = setTimeout(clearFocus, FOCUS_HIGHLIGHT_MS);
    return () => clearTimeout(timer);
  }, [focusId, virtualizer, clearFocus]);

  const onScroll = () => {
    const el = scrollRef.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
    if (el.scrollTop < 300 && next && !loadingOlder) void loadOlder(conversationId);
  };

  return (
    <div ref={scrollRef} className="messages" onScroll={onScroll} role="log" aria-label="Messages" aria-live="polite">
      {items.length === 0 && <p className="empty muted">No messages yet. Say hello — it’s end-to-end encrypted.</p>}
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative', width: '100%' }}>
        {virtualizer.getVirtualItems().map((row) => {
          const item = items[row.index]!;
          return (
            <div
              key={row.key}
              ref={virtualizer.measureElement}
              data-index={row.index}
              style={{ position: 'absolute', top: 0, left: 0, width: '100%', transform: `translateY(${row.start}px)` }}
            >
              {item.kind === 'event' ? (
                <p className="system-line" role="note">
                  {item.text}
                </p>
              ) : (
                <MessageBubble message={item.message} focused={item.key === focusId} from={item.message.sender?.name ?? title} />
              )}
            </div>
          );
        })}
      </div>
    </div>
  );
}
