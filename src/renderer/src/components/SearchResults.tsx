import { useStore } from '../store/root';
import { selectSearchHits } from '../store/search/selectors';
import { formatTime } from './format';

/** The message search results; choosing one jumps to that message. */
export function SearchResults() {
  const hits = useStore(selectSearchHits);
  const jump = useStore((s) => s.jumpToMessage);
  if (hits === null) return null;
  if (hits.length === 0) return <p className="empty muted">No messages found.</p>;
  return (
    <ul className="search-results" aria-label="Search results">
      {hits.map((h) => (
        <li key={h.messageId}>
          <button type="button" className="search-hit" onClick={() => void jump(h.messageId)}>
            <span className="search-hit__top">
              <strong>{h.title}</strong>
              <time>{formatTime(h.sentAt)}</time>
            </span>
            <span className="search-hit__snippet">{h.snippet}</span>
          </button>
        </li>
      ))}
    </ul>
  );
}
