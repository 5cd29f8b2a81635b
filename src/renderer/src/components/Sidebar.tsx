import { useEffect, useRef } from 'react';
import { useStore } from '../store/root';
import { selectSearchQuery } from '../store/search/selectors';
import { ConversationList } from './ConversationList';
import { SearchResults } from './SearchResults';
import { ConnectionBadge } from './ConnectionBadge';
import { Icon } from './Icon';
import { RestoreNotice } from './RestoreNotice';

/** The left column: search, connection state, the conversation list or search results, and buttons for contacts, devices, settings and lock. */
export function Sidebar() {
  const query = useStore(selectSearchQuery);
  const search = useStore((s) => s.search);
  const clearSearch = useStore((s) => s.clearSearch);
  const openDialog = useStore((s) => s.openDialog);
  const lock = useStore((s) => s.lock);
  const session = useStore((s) => s.session);
  const searchRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        searchRef.current?.focus();
        searchRef.current?.select();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <aside className="sidebar" aria-label="Sidebar">
      <header className="sidebar__header">
        <span className="sidebar__me" title={session?.name ?? ''}>
          {session?.name ?? 'Parley'}
        </span>
        <div className="row">
          <button type="button" className="icon-button" aria-label="Add contact" title="Add contact" onClick={() => openDialog({ kind: 'addContact' })}>
            <Icon name="plus" />
          </button>
          <button type="button" className="icon-button" aria-label="New group" title="New group" onClick={() => openDialog({ kind: 'createGroup' })}>
            <Icon name="group" />
          </button>
          <button type="button" className="icon-button" aria-label="Devices" title="Devices" onClick={() => openDialog({ kind: 'devices' })}>
            <Icon name="devices" />
          </button>
          <button type="button" className="icon-button" aria-label="Settings" title="Settings" onClick={() => openDialog({ kind: 'settings' })}>
            <Icon name="settings" />
          </button>
          {session?.protection.passphrase && (
            <button type="button" className="icon-button" aria-label="Lock" title="Lock" onClick={() => void lock()}>
              <Icon name="lock" />
            </button>
          )}
        </div>
      </header>
      <div className="sidebar__search">
        <input
          ref={searchRef}
          type="search"
          placeholder="Search messages (Ctrl+K)"
          aria-label="Search messages"
          value={query}
          onChange={(e) => void search(e.target.value)}
          onKeyDown={(e) => e.key === 'Escape' && clearSearch()}
        />
      </div>
      <RestoreNotice />
      <div className="sidebar__list">{query.trim() ? <SearchResults /> : <ConversationList />}</div>
      <footer className="sidebar__footer">
        <ConnectionBadge />
      </footer>
    </aside>
  );
}
