import { useStore } from '../store/root';
import { selectConversations } from '../store/conversations/selectors';
import { formatTime } from './format';

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
            <span className="avatar" aria-hidden="true">
              {c.title.slice(0, 1).toUpperCase()}
            </span>
            <span className="conversation__main">
              <span className="conversation__top">
                <span className="conversation__title">{c.title}</span>
                {c.lastMessage && <time className="conversation__time">{formatTime(c.lastMessage.at)}</time>}
              </span>
              <span className="conversation__bottom">
                <span className="conversation__preview">
                  {c.identityConflict ? '⚠ Two different safety numbers: verify' : c.identityChangePending ? '⚠ Safety number changed' : c.lastMessage ? `${c.lastMessage.direction === 'out' ? 'You: ' : ''}${c.lastMessage.text}` : 'No messages yet'}
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
