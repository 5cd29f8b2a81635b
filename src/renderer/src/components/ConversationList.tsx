import { useStore } from '../store/root';
import { selectConversations } from '../store/conversations/selectors';
import type { ConversationDto } from '../../../shared/contract';
import { formatTime } from './format';
import { Icon } from './Icon';

/** The second line of a conversation row: a key-change warning, the newest message, or the group's size. */
function preview(c: ConversationDto): string {
  if (c.kind === 'direct' && c.identityConflict) return '⚠ Two different safety numbers: verify';
  if (c.kind === 'direct' && c.identityChangePending) return '⚠ Safety number changed';
  if (c.lastMessage) return `${c.lastMessage.direction === 'out' ? 'You: ' : ''}${c.lastMessage.text || 'Attachment'}`;
  return c.kind === 'group' ? `${c.memberCount} members` : 'No messages yet';
}

/** The list of conversations with previews and unread counts; selecting one opens it. */
export function ConversationList() {
  const conversations = useStore(selectConversations);
  const selected = useStore((s) => s.selectedConversationId);
  const select = useStore((s) => s.selectConversation);
  if (conversations.length === 0) {
    return <p className="empty muted">No conversations yet. Add a contact to start one.</p>;
  }
  return (
    <ul className="conversations" aria-label="Conversations">
      {conversations.map((c) => (
        <li key={c.id}>
          <button
            type="button"
            className={`conversation${c.id === selected ? ' conversation--active' : ''}`}
            aria-current={c.id === selected ? 'true' : undefined}
            aria-label={`${c.title}${c.unread > 0 ? `, ${c.unread} unread` : ''}`}
            onClick={() => select(c.id)}
          >
            <span className={`avatar${c.kind === 'group' ? ' avatar--group' : ''}`} aria-hidden="true">
              {c.kind === 'group' ? <Icon name="group" size={18} /> : c.title.slice(0, 1).toUpperCase()}
            </span>
            <span className="conversation__main">
              <span className="conversation__top">
                <span className="conversation__title">{c.title}</span>
                {c.lastMessage && <time className="conversation__time">{formatTime(c.lastMessage.at)}</time>}
              </span>
              <span className="conversation__bottom">
                <span className="conversation__preview">
                  {preview(c)}
                </span>
                {c.unread > 0 && (
                  <span className="badge" aria-hidden="true">
                    {c.unread}
                  </span>
                )}
              </span>
            </span>
          </button>
        </li>
      ))}
    </ul>
  );
}
